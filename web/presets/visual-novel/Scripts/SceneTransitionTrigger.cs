using UnityEngine;

namespace Spark.Presets.VisualNovel
{
    /// <summary>
    /// Scene-side handle for <see cref="SceneTransition"/>, so UnityEvents (buttons, dialogue
    /// event bindings, timelines) can start a transition without referencing the persistent
    /// transition object.
    /// </summary>
    /// <remarks>
    /// Example: on a DialogueRunner, bind the event key "chapter_2" to
    /// <see cref="LoadConfiguredScene"/> on this component with Scene Name set to "Chapter2".
    /// </remarks>
    public sealed class SceneTransitionTrigger : MonoBehaviour
    {
        [Tooltip("Scene loaded by LoadConfiguredScene; it must be in the build's scene list.")]
        [SerializeField] private string sceneName = string.Empty;

        /// <summary>Scene loaded by <see cref="LoadConfiguredScene"/>.</summary>
        public string SceneName
        {
            get => sceneName;
            set => sceneName = value;
        }

        /// <summary>Loads <see cref="SceneName"/> with a fade.</summary>
        public void LoadConfiguredScene()
        {
            SceneTransition.LoadScene(sceneName);
        }

        /// <summary>Loads the scene named <paramref name="targetScene"/> with a fade.</summary>
        public void LoadScene(string targetScene)
        {
            SceneTransition.LoadScene(targetScene);
        }

        /// <summary>Loads the scene at <paramref name="buildIndex"/> with a fade.</summary>
        public void LoadSceneByIndex(int buildIndex)
        {
            SceneTransition.LoadScene(buildIndex);
        }

        /// <summary>Reloads the active scene with a fade (retry, restart chapter).</summary>
        public void ReloadActiveScene()
        {
            SceneTransition.LoadScene(UnityEngine.SceneManagement.SceneManager.GetActiveScene().buildIndex);
        }
    }
}
