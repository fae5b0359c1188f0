using System;
using System.Collections;
using UnityEngine;
using UnityEngine.SceneManagement;
using UnityEngine.UI;

namespace Spark.Presets.VisualNovel
{
    /// <summary>
    /// Loads scenes asynchronously behind a fade: fade to black, load, fade back in. One instance
    /// lives for the whole game (it survives scene loads), and a plain black overlay is created
    /// on first use when none was placed in a scene, so <c>SceneTransition.LoadScene("Chapter2")</c>
    /// works from anywhere.
    /// </summary>
    /// <remarks>
    /// To customize the look, put this component on a root GameObject with a Screen Space -
    /// Overlay Canvas (high Sort Order), a GraphicRaycaster and a CanvasGroup, with a full-screen
    /// Image child, in the first scene. Extra copies in later scenes destroy themselves. While a
    /// transition runs, the overlay blocks UI clicks and <see cref="IsTransitioning"/> is true.
    /// Fades use unscaled time, so they run while the game is paused.
    /// </remarks>
    [DisallowMultipleComponent]
    public sealed class SceneTransition : MonoBehaviour
    {
        [Tooltip("Group faded between transparent and opaque; found on this object or its children when empty.")]
        [SerializeField] private CanvasGroup fadeGroup;
        [SerializeField, Min(0f)] private float fadeOutDuration = 0.4f;
        [SerializeField, Min(0f)] private float fadeInDuration = 0.4f;
        [Tooltip("Minimum seconds the screen stays covered, so very fast loads do not flash.")]
        [SerializeField, Min(0f)] private float minimumCoveredTime = 0.15f;
        [Tooltip("Optional spinner or text shown while the next scene loads.")]
        [SerializeField] private GameObject loadingIndicator;
        [Tooltip("Start covered and fade in when the game starts.")]
        [SerializeField] private bool fadeInOnStart;

        private static SceneTransition instance;
        private bool isTransitioning;

        /// <summary>Raised with the scene name (or build index) when a transition starts.</summary>
        public static event Action<string> TransitionStarted;

        /// <summary>Raised with the scene name (or build index) when the new scene is fully visible.</summary>
        public static event Action<string> TransitionFinished;

        /// <summary>The live instance, created with a default black overlay on first use.</summary>
        public static SceneTransition Instance
        {
            get
            {
                if (instance == null)
                {
                    instance = CreateDefault();
                }

                return instance;
            }
        }

        /// <summary>Whether a transition is running; gameplay input should wait while it is.</summary>
        public static bool IsTransitioning => instance != null && instance.isTransitioning;

        // With "Enter Play Mode Options" (no domain reload), statics survive between play sessions.
        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.SubsystemRegistration)]
        private static void ResetStatics()
        {
            instance = null;
            TransitionStarted = null;
            TransitionFinished = null;
        }

        /// <summary>Fades out, loads the scene named <paramref name="sceneName"/>, and fades in.</summary>
        /// <returns>False when the scene is not in the build or a transition is already running.</returns>
        public static bool LoadScene(string sceneName)
        {
            return Instance.TransitionTo(sceneName);
        }

        /// <summary>Fades out, loads the scene at <paramref name="buildIndex"/>, and fades in.</summary>
        /// <returns>False when the index is not in the build or a transition is already running.</returns>
        public static bool LoadScene(int buildIndex)
        {
            return Instance.TransitionTo(buildIndex);
        }

        private void Awake()
        {
            if (instance != null && instance != this)
            {
                Destroy(gameObject);
                return;
            }

            instance = this;
            transform.SetParent(null);
            DontDestroyOnLoad(gameObject);

            if (fadeGroup == null)
            {
                fadeGroup = GetComponentInChildren<CanvasGroup>(true);
            }

            if (fadeGroup == null)
            {
                Debug.LogError($"{name}: SceneTransition needs a CanvasGroup to fade.", this);
                enabled = false;
                return;
            }

            if (loadingIndicator != null)
            {
                loadingIndicator.SetActive(false);
            }

            SetCovered(fadeInOnStart);
        }

        private void Start()
        {
            if (fadeInOnStart && fadeGroup != null)
            {
                StartCoroutine(FadeInFromStart());
            }
        }

        private void OnDestroy()
        {
            if (instance == this)
            {
                instance = null;
            }
        }

        /// <summary>Fades out, loads the scene named <paramref name="sceneName"/>, and fades in.</summary>
        /// <returns>False when the scene is not in the build or a transition is already running.</returns>
        public bool TransitionTo(string sceneName)
        {
            if (!CanStart())
            {
                return false;
            }

            if (string.IsNullOrEmpty(sceneName) || !Application.CanStreamedLevelBeLoaded(sceneName))
            {
                Debug.LogError($"SceneTransition: scene '{sceneName}' is not in the build's scene list.", this);
                return false;
            }

            StartCoroutine(Transition(sceneName, () => SceneManager.LoadSceneAsync(sceneName)));
            return true;
        }

        /// <summary>Fades out, loads the scene at <paramref name="buildIndex"/>, and fades in.</summary>
        /// <returns>False when the index is not in the build or a transition is already running.</returns>
        public bool TransitionTo(int buildIndex)
        {
            if (!CanStart())
            {
                return false;
            }

            if (buildIndex < 0 || buildIndex >= SceneManager.sceneCountInBuildSettings)
            {
                Debug.LogError($"SceneTransition: there is no scene at build index {buildIndex}.", this);
                return false;
            }

            StartCoroutine(Transition(buildIndex.ToString(), () => SceneManager.LoadSceneAsync(buildIndex)));
            return true;
        }

        private bool CanStart()
        {
            if (!isActiveAndEnabled)
            {
                Debug.LogError("SceneTransition is disabled; check its CanvasGroup.", this);
                return false;
            }

            if (isTransitioning)
            {
                Debug.LogWarning("SceneTransition: a transition is already running; request ignored.", this);
                return false;
            }

            return true;
        }

        private IEnumerator Transition(string label, Func<AsyncOperation> startLoad)
        {
            isTransitioning = true;
            fadeGroup.blocksRaycasts = true;
            TransitionStarted?.Invoke(label);

            yield return Fade(1f, fadeOutDuration);
            float coveredSince = Time.unscaledTime;
            if (loadingIndicator != null)
            {
                loadingIndicator.SetActive(true);
            }

            AsyncOperation operation = startLoad();
            if (operation == null)
            {
                Debug.LogError($"SceneTransition: loading '{label}' could not start.", this);
            }
            else
            {
                while (!operation.isDone)
                {
                    yield return null;
                }
            }

            while (Time.unscaledTime - coveredSince < minimumCoveredTime)
            {
                yield return null;
            }

            if (loadingIndicator != null)
            {
                loadingIndicator.SetActive(false);
            }

            yield return Fade(0f, fadeInDuration);
            fadeGroup.blocksRaycasts = false;
            isTransitioning = false;
            TransitionFinished?.Invoke(label);
        }

        private IEnumerator FadeInFromStart()
        {
            isTransitioning = true;
            yield return Fade(0f, fadeInDuration);
            fadeGroup.blocksRaycasts = false;
            isTransitioning = false;
        }

        private IEnumerator Fade(float targetAlpha, float duration)
        {
            float startAlpha = fadeGroup.alpha;
            float elapsed = 0f;
            while (elapsed < duration)
            {
                elapsed += Time.unscaledDeltaTime;
                fadeGroup.alpha = Mathf.Lerp(startAlpha, targetAlpha, elapsed / duration);
                yield return null;
            }

            fadeGroup.alpha = targetAlpha;
        }

        private void SetCovered(bool covered)
        {
            fadeGroup.alpha = covered ? 1f : 0f;
            fadeGroup.blocksRaycasts = covered;
            fadeGroup.interactable = false;
        }

        private static SceneTransition CreateDefault()
        {
            GameObject root = new GameObject("SceneTransition");
            Canvas canvas = root.AddComponent<Canvas>();
            canvas.renderMode = RenderMode.ScreenSpaceOverlay;
            canvas.sortingOrder = short.MaxValue;
            root.AddComponent<GraphicRaycaster>();
            root.AddComponent<CanvasGroup>();

            GameObject overlay = new GameObject("Fade", typeof(RectTransform), typeof(Image));
            overlay.transform.SetParent(root.transform, false);
            RectTransform rect = (RectTransform)overlay.transform;
            rect.anchorMin = Vector2.zero;
            rect.anchorMax = Vector2.one;
            rect.offsetMin = Vector2.zero;
            rect.offsetMax = Vector2.zero;
            overlay.GetComponent<Image>().color = Color.black;

            // Awake runs inside AddComponent: it registers the instance and finds the CanvasGroup.
            return root.AddComponent<SceneTransition>();
        }
    }
}
