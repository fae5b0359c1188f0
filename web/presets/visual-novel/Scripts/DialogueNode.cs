using System;
using System.Collections.Generic;
using UnityEngine;

namespace Spark.Presets.VisualNovel
{
    /// <summary>
    /// One beat of a conversation inside a <see cref="DialogueGraph"/>: a few lines shown one
    /// after another, then either a set of choices or a jump to the next node.
    /// </summary>
    /// <remarks>
    /// Nodes link to each other by <see cref="Id"/>, so reordering the list in the Inspector never
    /// breaks a conversation. An empty <see cref="NextNodeId"/> (with no choices) ends the dialogue.
    /// </remarks>
    [Serializable]
    public sealed class DialogueNode
    {
        [Tooltip("Unique id inside the graph, e.g. \"intro\" or \"cafe_argument\".")]
        [SerializeField] private string id = "node";
        [Tooltip("Lines shown in order before the choices appear.")]
        [SerializeField] private List<DialogueLine> lines = new List<DialogueLine>();
        [Tooltip("Options offered after the last line. Leave empty for a linear node.")]
        [SerializeField] private List<DialogueChoice> choices = new List<DialogueChoice>();
        [Tooltip("Node that follows when there are no choices. Empty ends the dialogue.")]
        [SerializeField] private string nextNodeId = string.Empty;
        [Tooltip("Optional key raised through the runner's event bindings when this node starts (change background, play music...).")]
        [SerializeField] private string enterEventKey = string.Empty;

        /// <summary>Unique id of this node inside its graph.</summary>
        public string Id => id;

        /// <summary>Lines shown in order.</summary>
        public IReadOnlyList<DialogueLine> Lines => lines;

        /// <summary>Options offered after the last line; empty for a linear node.</summary>
        public IReadOnlyList<DialogueChoice> Choices => choices;

        /// <summary>Id of the node that follows when there are no choices; empty ends the dialogue.</summary>
        public string NextNodeId => nextNodeId;

        /// <summary>Event key raised when the node starts; empty for none.</summary>
        public string EnterEventKey => enterEventKey;

        /// <summary>Whether the player picks the next node.</summary>
        public bool HasChoices => choices.Count > 0;
    }

    /// <summary>One line of dialogue: who says it, what they say, and how they look saying it.</summary>
    [Serializable]
    public sealed class DialogueLine
    {
        [Tooltip("Name shown in the speaker box. Empty for narration.")]
        [SerializeField] private string speaker = string.Empty;
        [Tooltip("The text. TextMeshPro rich-text tags such as <b> and <color> are allowed.")]
        [SerializeField, TextArea(2, 6)] private string text = string.Empty;
        [Tooltip("Optional portrait shown next to the text box.")]
        [SerializeField] private Sprite portrait;

        /// <summary>Speaker name; empty for narration.</summary>
        public string Speaker => speaker;

        /// <summary>The line's text, possibly with TextMeshPro rich-text tags.</summary>
        public string Text => text;

        /// <summary>Portrait to show, or null to hide the portrait.</summary>
        public Sprite Portrait => portrait;
    }

    /// <summary>An option the player can pick at the end of a <see cref="DialogueNode"/>.</summary>
    [Serializable]
    public sealed class DialogueChoice
    {
        [Tooltip("Button label.")]
        [SerializeField] private string text = string.Empty;
        [Tooltip("Node to continue with. Empty ends the dialogue.")]
        [SerializeField] private string targetNodeId = string.Empty;
        [Tooltip("Optional key raised through the runner's event bindings when picked (set a flag, give an item...).")]
        [SerializeField] private string eventKey = string.Empty;

        /// <summary>Button label.</summary>
        public string Text => text;

        /// <summary>Node that follows this choice; empty ends the dialogue.</summary>
        public string TargetNodeId => targetNodeId;

        /// <summary>Event key raised when the choice is picked; empty for none.</summary>
        public string EventKey => eventKey;
    }
}
