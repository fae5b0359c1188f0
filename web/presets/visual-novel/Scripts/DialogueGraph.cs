using System.Collections.Generic;
using UnityEngine;

namespace Spark.Presets.VisualNovel
{
    /// <summary>
    /// A conversation stored as an asset: a list of <see cref="DialogueNode"/>s linked by id,
    /// and the node it starts at. Create one with Assets > Create > Spark > Visual Novel > Dialogue Graph
    /// and play it with a <see cref="DialogueRunner"/>.
    /// </summary>
    /// <remarks>
    /// The asset is read-only at runtime, so several runners can play the same graph. Duplicate
    /// ids and links to missing nodes are reported as warnings in the Console while editing.
    /// </remarks>
    [CreateAssetMenu(fileName = "NewDialogue", menuName = "Spark/Visual Novel/Dialogue Graph", order = 0)]
    public sealed class DialogueGraph : ScriptableObject
    {
        [Tooltip("Id of the first node. Empty starts at the first node in the list.")]
        [SerializeField] private string startNodeId = string.Empty;
        [SerializeField] private List<DialogueNode> nodes = new List<DialogueNode>();

        private Dictionary<string, DialogueNode> lookup;

        /// <summary>Id of the node the conversation starts at.</summary>
        public string StartNodeId => string.IsNullOrEmpty(startNodeId) && nodes.Count > 0 ? nodes[0].Id : startNodeId;

        /// <summary>All nodes, in Inspector order.</summary>
        public IReadOnlyList<DialogueNode> Nodes => nodes;

        /// <summary>Finds the node with <paramref name="id"/>.</summary>
        /// <returns>True when the node exists.</returns>
        public bool TryGetNode(string id, out DialogueNode node)
        {
            if (string.IsNullOrEmpty(id))
            {
                node = null;
                return false;
            }

            if (lookup == null)
            {
                BuildLookup();
            }

            return lookup.TryGetValue(id, out node);
        }

        private void OnEnable()
        {
            lookup = null;
        }

        private void BuildLookup()
        {
            lookup = new Dictionary<string, DialogueNode>(nodes.Count);
            foreach (DialogueNode node in nodes)
            {
                if (node != null && !string.IsNullOrEmpty(node.Id) && !lookup.ContainsKey(node.Id))
                {
                    lookup.Add(node.Id, node);
                }
            }
        }

#if UNITY_EDITOR
        private void OnValidate()
        {
            BuildLookup();

            HashSet<string> seen = new HashSet<string>();
            foreach (DialogueNode node in nodes)
            {
                if (node == null)
                {
                    continue;
                }

                if (string.IsNullOrEmpty(node.Id))
                {
                    Debug.LogWarning($"Dialogue '{name}' has a node without an id; it cannot be reached.", this);
                    continue;
                }

                if (!seen.Add(node.Id))
                {
                    Debug.LogWarning($"Dialogue '{name}' has more than one node with id '{node.Id}'; only the first is used.", this);
                }

                WarnIfMissing(node.Id, node.NextNodeId);
                foreach (DialogueChoice choice in node.Choices)
                {
                    WarnIfMissing(node.Id, choice.TargetNodeId);
                }
            }

            if (!string.IsNullOrEmpty(startNodeId) && !lookup.ContainsKey(startNodeId))
            {
                Debug.LogWarning($"Dialogue '{name}' starts at '{startNodeId}', which does not exist.", this);
            }
        }

        private void WarnIfMissing(string fromId, string toId)
        {
            if (!string.IsNullOrEmpty(toId) && !lookup.ContainsKey(toId))
            {
                Debug.LogWarning($"Dialogue '{name}': node '{fromId}' links to '{toId}', which does not exist.", this);
            }
        }
#endif
    }
}
