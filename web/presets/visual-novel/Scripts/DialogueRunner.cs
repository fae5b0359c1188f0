using System;
using System.Collections.Generic;
using TMPro;
using UnityEngine;
using UnityEngine.Events;
using UnityEngine.EventSystems;
using UnityEngine.UI;

namespace Spark.Presets.VisualNovel
{
    /// <summary>
    /// Plays a <see cref="DialogueGraph"/> on a TextMeshPro dialogue box: a typewriter reveal with
    /// pauses after punctuation, advance on key/button/click/tap (the first press completes the
    /// line, the next moves on), hold-to-skip, and choice buttons that branch the graph and raise
    /// UnityEvents.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Scene setup: a Canvas with an EventSystem; a panel with a CanvasGroup (Dialogue Panel)
    /// holding a TMP_Text for the speaker, a TMP_Text for the body, an optional portrait Image and
    /// continue indicator, and an empty RectTransform with a Vertical Layout Group (Choice
    /// Container). Choice Button Prefab is a UI Button with a TMP_Text child; it may be a prefab
    /// asset or a disabled template inside the container.
    /// </para>
    /// <para>
    /// Gameplay hooks: use Event Bindings to map the event keys written on nodes and choices
    /// ("met_alex", "bg_cafe") to scene UnityEvents, e.g. a <see cref="SceneTransitionTrigger"/>
    /// or an Animator. The typewriter uses TMP's <c>maxVisibleCharacters</c>, so rich-text tags
    /// never show half-typed and the layout never jumps.
    /// </para>
    /// </remarks>
    [DisallowMultipleComponent]
    public sealed class DialogueRunner : MonoBehaviour
    {
        /// <summary>Maps an event key used in a <see cref="DialogueGraph"/> to a scene UnityEvent.</summary>
        [Serializable]
        public sealed class EventBinding
        {
            [Tooltip("Event key as written on a node (Enter Event Key) or a choice (Event Key).")]
            [SerializeField] private string key = string.Empty;
            [Tooltip("What happens in the scene when the key is raised.")]
            [SerializeField] private UnityEvent response = new UnityEvent();

            /// <summary>The event key this binding answers to.</summary>
            public string Key => key;

            /// <summary>Invoked when the key is raised.</summary>
            public UnityEvent Response => response;
        }

        private enum Phase
        {
            Inactive,
            Typing,
            WaitingToAdvance,
            Choosing,
        }

        [Header("Dialogue")]
        [Tooltip("Dialogue played automatically when Play On Start is set.")]
        [SerializeField] private DialogueGraph startDialogue;
        [SerializeField] private bool playOnStart;

        [Header("UI")]
        [Tooltip("Shown while a dialogue runs, hidden otherwise.")]
        [SerializeField] private CanvasGroup dialoguePanel;
        [SerializeField] private TMP_Text speakerLabel;
        [Tooltip("Optional name plate hidden during narration (lines without a speaker).")]
        [SerializeField] private GameObject speakerPlate;
        [SerializeField] private TMP_Text bodyText;
        [Tooltip("Optional portrait; hidden for lines without one.")]
        [SerializeField] private Image portraitImage;
        [Tooltip("Optional arrow or icon shown when the line is complete.")]
        [SerializeField] private GameObject continueIndicator;
        [SerializeField] private RectTransform choiceContainer;
        [SerializeField] private Button choiceButtonPrefab;

        [Header("Typewriter")]
        [SerializeField, Min(1f)] private float charactersPerSecond = 40f;
        [Tooltip("Extra seconds after . , ! ? ; : when followed by a space or the end of the line.")]
        [SerializeField, Min(0f)] private float punctuationPause = 0.12f;
        [Tooltip("Keep typing while Time.timeScale is 0 (pause menus, hit-stops).")]
        [SerializeField] private bool useUnscaledTime = true;

        [Header("Input")]
        [Tooltip("Advance on mouse clicks and taps that are not on a button.")]
        [SerializeField] private bool advanceOnPointer = true;
        [Tooltip("Holding the skip key fast-forwards until the next choice.")]
        [SerializeField] private bool allowSkip = true;
        [Tooltip("Seconds between steps while skipping.")]
        [SerializeField, Min(0.01f)] private float skipInterval = 0.05f;

        [Header("Events")]
        [SerializeField] private UnityEvent dialogueStarted = new UnityEvent();
        [SerializeField] private UnityEvent dialogueEnded = new UnityEvent();
        [Tooltip("Raised with the node id each time a node starts.")]
        [SerializeField] private UnityEvent<string> nodeEntered = new UnityEvent<string>();
        [Tooltip("Raised with the speaker name each time a line starts.")]
        [SerializeField] private UnityEvent<string> lineStarted = new UnityEvent<string>();
        [Tooltip("Raised at most once per frame while characters appear; hook a typing blip here.")]
        [SerializeField] private UnityEvent charactersRevealed = new UnityEvent();
        [Tooltip("Raised with the picked choice's event key (empty when it has none).")]
        [SerializeField] private UnityEvent<string> choiceSelected = new UnityEvent<string>();
        [SerializeField] private List<EventBinding> eventBindings = new List<EventBinding>();

        private readonly List<Button> choiceButtons = new List<Button>();
        private readonly List<RaycastResult> raycastResults = new List<RaycastResult>();
        private PointerEventData pointerData;
        private EventSystem pointerDataOwner;

        private DialogueGraph graph;
        private DialogueNode node;
        private int lineIndex;
        private Phase phase = Phase.Inactive;
        private int transitionVersion;
        private int visibleCharacters;
        private int totalCharacters;
        private float typeTimer;
        private float nextCharacterDelay;
        private float skipTimer;
        private int ignoreInputUntilFrame;
        private int choicesShownFrame = -1;

        /// <summary>Whether a dialogue is being played.</summary>
        public bool IsRunning => phase != Phase.Inactive;

        /// <summary>Whether the current line is still being typed.</summary>
        public bool IsTyping => phase == Phase.Typing;

        /// <summary>Whether the runner is waiting for the player to pick a choice.</summary>
        public bool IsWaitingForChoice => phase == Phase.Choosing;

        /// <summary>The dialogue being played, or null.</summary>
        public DialogueGraph CurrentDialogue => graph;

        /// <summary>Id of the node being played, or null.</summary>
        public string CurrentNodeId => node != null ? node.Id : null;

        /// <summary>Raised when a dialogue starts.</summary>
        public UnityEvent DialogueStarted => dialogueStarted;

        /// <summary>Raised when a dialogue ends or is stopped.</summary>
        public UnityEvent DialogueEnded => dialogueEnded;

        /// <summary>Raised with the node id when a node starts.</summary>
        public UnityEvent<string> NodeEntered => nodeEntered;

        /// <summary>Raised with the speaker name when a line starts.</summary>
        public UnityEvent<string> LineStarted => lineStarted;

        /// <summary>Raised at most once per frame while characters are revealed.</summary>
        public UnityEvent CharactersRevealed => charactersRevealed;

        /// <summary>Raised with the picked choice's event key.</summary>
        public UnityEvent<string> ChoiceSelected => choiceSelected;

        private void Awake()
        {
            if (bodyText == null)
            {
                Debug.LogError($"{name}: DialogueRunner needs a Body Text (TMP_Text) reference.", this);
                enabled = false;
                return;
            }

            // A template button living in the scene must not show up as a stray choice.
            if (choiceButtonPrefab != null && choiceButtonPrefab.gameObject.scene.IsValid())
            {
                choiceButtonPrefab.gameObject.SetActive(false);
            }

            SetPanelVisible(false);
            HideChoices();
            SetContinueIndicator(false);
        }

        private void Start()
        {
            if (playOnStart && startDialogue != null)
            {
                StartDialogue(startDialogue);
            }
        }

        private void Update()
        {
            if (phase == Phase.Inactive)
            {
                return;
            }

            float deltaTime = useUnscaledTime ? Time.unscaledDeltaTime : Time.deltaTime;
            if (phase == Phase.Typing)
            {
                UpdateTypewriter(deltaTime);
            }

            HandleInput(deltaTime);
        }

        /// <summary>Plays <paramref name="dialogue"/> from its start node.</summary>
        public void StartDialogue(DialogueGraph dialogue)
        {
            StartDialogue(dialogue, null);
        }

        /// <summary>
        /// Plays <paramref name="dialogue"/> from <paramref name="nodeId"/> (its start node when
        /// null or empty). Replaces any dialogue already running.
        /// </summary>
        public void StartDialogue(DialogueGraph dialogue, string nodeId)
        {
            if (!enabled)
            {
                return;
            }

            if (dialogue == null)
            {
                Debug.LogWarning($"{name}: StartDialogue was called without a dialogue.", this);
                return;
            }

            string startId = string.IsNullOrEmpty(nodeId) ? dialogue.StartNodeId : nodeId;
            if (!dialogue.TryGetNode(startId, out DialogueNode first))
            {
                Debug.LogWarning($"{name}: dialogue '{dialogue.name}' has no node '{startId}'.", dialogue);
                return;
            }

            bool wasRunning = IsRunning;
            graph = dialogue;
            phase = Phase.WaitingToAdvance;
            SetPanelVisible(true);
            BlockInputThisFrame();

            int version = ++transitionVersion;
            if (!wasRunning)
            {
                dialogueStarted.Invoke();
                if (version != transitionVersion)
                {
                    return;
                }
            }

            EnterNode(first);
        }

        /// <summary>
        /// Completes the line being typed, or moves to the next line. Wire an on-screen "Next"
        /// button here; does nothing while choices are shown.
        /// </summary>
        public void Advance()
        {
            if (phase == Phase.Typing)
            {
                CompleteLine();
            }
            else if (phase == Phase.WaitingToAdvance)
            {
                NextLine();
            }
        }

        /// <summary>Picks choice <paramref name="index"/> of the current node.</summary>
        public void SelectChoice(int index)
        {
            // The press that revealed the choices must not also pick one.
            if (phase != Phase.Choosing || node == null || Time.frameCount <= choicesShownFrame)
            {
                return;
            }

            if (index < 0 || index >= node.Choices.Count)
            {
                return;
            }

            DialogueChoice choice = node.Choices[index];
            HideChoices();
            BlockInputThisFrame();

            int version = ++transitionVersion;
            choiceSelected.Invoke(choice.EventKey);
            RaiseEvent(choice.EventKey);
            if (version != transitionVersion)
            {
                return;
            }

            GoTo(choice.TargetNodeId);
        }

        /// <summary>Ends the dialogue now and hides the dialogue box.</summary>
        public void StopDialogue()
        {
            if (!IsRunning)
            {
                return;
            }

            transitionVersion++;
            phase = Phase.Inactive;
            graph = null;
            node = null;
            HideChoices();
            SetContinueIndicator(false);
            SetPanelVisible(false);
            dialogueEnded.Invoke();
        }

        private void GoTo(string nodeId)
        {
            if (string.IsNullOrEmpty(nodeId))
            {
                StopDialogue();
                return;
            }

            if (!graph.TryGetNode(nodeId, out DialogueNode next))
            {
                Debug.LogWarning($"{name}: dialogue '{graph.name}' has no node '{nodeId}'; ending the dialogue.", graph);
                StopDialogue();
                return;
            }

            EnterNode(next);
        }

        private void EnterNode(DialogueNode next)
        {
            node = next;
            lineIndex = 0;
            phase = Phase.WaitingToAdvance;

            int version = ++transitionVersion;
            nodeEntered.Invoke(next.Id);
            RaiseEvent(next.EnterEventKey);
            if (version != transitionVersion)
            {
                // A listener stopped the dialogue or jumped somewhere else.
                return;
            }

            if (next.Lines.Count > 0)
            {
                ShowLine(next.Lines[0]);
            }
            else
            {
                FinishNode();
            }
        }

        private void ShowLine(DialogueLine line)
        {
            phase = Phase.Typing;
            SetContinueIndicator(false);

            bool hasSpeaker = !string.IsNullOrEmpty(line.Speaker);
            if (speakerLabel != null)
            {
                speakerLabel.text = line.Speaker;
            }

            if (speakerPlate != null)
            {
                speakerPlate.SetActive(hasSpeaker);
            }

            if (portraitImage != null)
            {
                portraitImage.sprite = line.Portrait;
                portraitImage.enabled = line.Portrait != null;
            }

            bodyText.text = line.Text;
            bodyText.maxVisibleCharacters = 0;
            bodyText.ForceMeshUpdate();
            totalCharacters = bodyText.textInfo.characterCount;
            visibleCharacters = 0;
            typeTimer = 0f;
            nextCharacterDelay = 1f / charactersPerSecond;

            lineStarted.Invoke(line.Speaker);
            if (phase == Phase.Typing && totalCharacters == 0)
            {
                CompleteLine();
            }
        }

        private void UpdateTypewriter(float deltaTime)
        {
            typeTimer += deltaTime;
            int before = visibleCharacters;
            TMP_CharacterInfo[] characters = bodyText.textInfo.characterInfo;

            while (visibleCharacters < totalCharacters && typeTimer >= nextCharacterDelay)
            {
                typeTimer -= nextCharacterDelay;
                char revealed = characters[visibleCharacters].character;
                visibleCharacters++;

                bool endOfPhrase = visibleCharacters >= totalCharacters || char.IsWhiteSpace(characters[visibleCharacters].character);
                nextCharacterDelay = 1f / charactersPerSecond + (endOfPhrase && IsPausePunctuation(revealed) ? punctuationPause : 0f);
            }

            if (visibleCharacters != before)
            {
                bodyText.maxVisibleCharacters = visibleCharacters;
                charactersRevealed.Invoke();
            }

            if (phase == Phase.Typing && visibleCharacters >= totalCharacters)
            {
                CompleteLine();
            }
        }

        private void CompleteLine()
        {
            visibleCharacters = totalCharacters;
            bodyText.maxVisibleCharacters = totalCharacters;
            phase = Phase.WaitingToAdvance;

            bool lastLine = lineIndex >= node.Lines.Count - 1;
            if (lastLine && node.HasChoices)
            {
                ShowChoices();
            }
            else
            {
                SetContinueIndicator(true);
            }
        }

        private void NextLine()
        {
            lineIndex++;
            if (lineIndex < node.Lines.Count)
            {
                ShowLine(node.Lines[lineIndex]);
            }
            else
            {
                FinishNode();
            }
        }

        private void FinishNode()
        {
            if (node.HasChoices)
            {
                ShowChoices();
            }
            else
            {
                GoTo(node.NextNodeId);
            }
        }

        private void ShowChoices()
        {
            phase = Phase.Choosing;
            choicesShownFrame = Time.frameCount;
            SetContinueIndicator(false);

            if (choiceContainer == null || choiceButtonPrefab == null)
            {
                Debug.LogError($"{name}: node '{node.Id}' has choices, but Choice Container or Choice Button Prefab is not set.", this);
                StopDialogue();
                return;
            }

            IReadOnlyList<DialogueChoice> choices = node.Choices;
            while (choiceButtons.Count < choices.Count)
            {
                Button created = Instantiate(choiceButtonPrefab, choiceContainer);
                created.name = $"Choice {choiceButtons.Count + 1}";
                choiceButtons.Add(created);
            }

            for (int i = 0; i < choiceButtons.Count; i++)
            {
                Button button = choiceButtons[i];
                bool used = i < choices.Count;
                button.gameObject.SetActive(used);
                if (!used)
                {
                    continue;
                }

                TMP_Text label = button.GetComponentInChildren<TMP_Text>(true);
                if (label != null)
                {
                    label.text = choices[i].Text;
                }

                int index = i;
                button.onClick.RemoveAllListeners();
                button.onClick.AddListener(() => SelectChoice(index));
            }

            choiceContainer.gameObject.SetActive(true);

            // Select the first option so keyboard and gamepad players can choose right away.
            EventSystem eventSystem = EventSystem.current;
            if (eventSystem != null && choices.Count > 0)
            {
                eventSystem.SetSelectedGameObject(choiceButtons[0].gameObject);
            }
        }

        private void HideChoices()
        {
            foreach (Button button in choiceButtons)
            {
                if (button != null)
                {
                    button.gameObject.SetActive(false);
                }
            }

            if (choiceContainer != null)
            {
                choiceContainer.gameObject.SetActive(false);
            }

            EventSystem eventSystem = EventSystem.current;
            if (eventSystem != null && eventSystem.currentSelectedGameObject != null
                && choiceContainer != null && eventSystem.currentSelectedGameObject.transform.IsChildOf(choiceContainer))
            {
                eventSystem.SetSelectedGameObject(null);
            }
        }

        private void HandleInput(float deltaTime)
        {
            // Input waits while choices are up or the screen is fading between scenes.
            if (phase == Phase.Choosing || phase == Phase.Inactive || SceneTransition.IsTransitioning)
            {
                return;
            }

            if (allowSkip && VisualNovelInput.SkipHeld)
            {
                skipTimer += deltaTime;
                if (skipTimer >= skipInterval)
                {
                    skipTimer = 0f;
                    Advance();
                }

                return;
            }

            // The first step happens as soon as skip is pressed again.
            skipTimer = skipInterval;

            if (Time.frameCount <= ignoreInputUntilFrame)
            {
                return;
            }

            bool advance = VisualNovelInput.AdvancePressed;
            if (!advance && advanceOnPointer && VisualNovelInput.PointerPressed(out Vector2 pointer))
            {
                advance = !IsPointerOverSelectable(pointer);
            }

            if (advance)
            {
                Advance();
            }
        }

        // Clicks on buttons (choices, menu, an on-screen "Next" button) belong to those buttons.
        private bool IsPointerOverSelectable(Vector2 screenPosition)
        {
            EventSystem eventSystem = EventSystem.current;
            if (eventSystem == null)
            {
                return false;
            }

            if (pointerData == null || pointerDataOwner != eventSystem)
            {
                pointerData = new PointerEventData(eventSystem);
                pointerDataOwner = eventSystem;
            }

            pointerData.position = screenPosition;
            raycastResults.Clear();
            eventSystem.RaycastAll(pointerData, raycastResults);
            foreach (RaycastResult result in raycastResults)
            {
                if (result.gameObject != null && result.gameObject.GetComponentInParent<Selectable>() != null)
                {
                    return true;
                }
            }

            return false;
        }

        private void RaiseEvent(string key)
        {
            if (string.IsNullOrEmpty(key))
            {
                return;
            }

            foreach (EventBinding binding in eventBindings)
            {
                if (binding != null && string.Equals(binding.Key, key, StringComparison.Ordinal))
                {
                    binding.Response.Invoke();
                }
            }
        }

        private void BlockInputThisFrame()
        {
            ignoreInputUntilFrame = Time.frameCount;
        }

        private void SetPanelVisible(bool visible)
        {
            if (dialoguePanel == null)
            {
                return;
            }

            dialoguePanel.alpha = visible ? 1f : 0f;
            dialoguePanel.interactable = visible;
            dialoguePanel.blocksRaycasts = visible;
        }

        private void SetContinueIndicator(bool visible)
        {
            if (continueIndicator != null)
            {
                continueIndicator.SetActive(visible);
            }
        }

        private static bool IsPausePunctuation(char character)
        {
            switch (character)
            {
                case '.':
                case ',':
                case '!':
                case '?':
                case ';':
                case ':':
                case '\u2026':
                    return true;
                default:
                    return false;
            }
        }
    }
}
