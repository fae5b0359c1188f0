using System.Linq;
using UnityEditor;
using UnityEditor.Build;
using UnityEditor.Build.Reporting;
using UnityEngine;
using UnityEngine.Rendering;

namespace Spark.Presets.Platformer2D.Editor
{
    /// <summary>
    /// Applies the low-end WebGL player settings the Platformer 2D preset is tuned for, and builds
    /// a release WebGL player with them.
    /// </summary>
    /// <remarks>
    /// Menu: Tools > Spark > Platformer 2D. From a build server, run Unity with
    /// <c>-batchmode -quit -executeMethod Spark.Presets.Platformer2D.Editor.Platformer2DWebGLSettings.BuildFromCommandLine</c>
    /// (optionally <c>-buildOutput &lt;folder&gt;</c>); the process exits with 0 on success and 1 on failure.
    /// Written for Unity 2022.3 LTS and Unity 6. Most settings are WebGL-only; engine code
    /// stripping, mesh-data optimization and the Development Build flag are project-wide.
    /// </remarks>
    public static class Platformer2DWebGLSettings
    {
        /// <summary>
        /// WebAssembly heap reserved at startup, in MB. A pixel-art platformer with uncompressed sprite
        /// sheets fits comfortably.
        /// </summary>
        public const int InitialMemoryMB = 64;

        /// <summary>Upper bound the heap may grow to, in MB; mobile browsers can usually reserve 1 GB.</summary>
        public const int MaximumMemoryMB = 1024;

        /// <summary>Canvas size of the default WebGL template, in CSS pixels.</summary>
        public const int CanvasWidth = 960;

        /// <summary>Canvas height of the default WebGL template, in CSS pixels.</summary>
        public const int CanvasHeight = 540;

        /// <summary>Where the menu build writes the player, relative to the project folder.</summary>
        public const string DefaultOutputPath = "Builds/WebGL/Platformer2D";

        private const string MenuRoot = "Tools/Spark/Platformer 2D/";

        /// <summary>Writes the low-end WebGL release settings into Player Settings.</summary>
        [MenuItem(MenuRoot + "Apply Low-End WebGL Settings", false, 0)]
        public static void Apply()
        {
            NamedBuildTarget webGL = NamedBuildTarget.WebGL;

            // Download size. Gzip is understood by every browser and most static hosts; the
            // decompression fallback lets the loader unpack the files itself on hosts that cannot
            // send Content-Encoding headers for them (itch.io, GitHub Pages, plain file servers).
            PlayerSettings.WebGL.compressionFormat = WebGLCompressionFormat.Gzip;
            PlayerSettings.WebGL.decompressionFallback = true;
            PlayerSettings.WebGL.dataCaching = true;

            // Code size. Engine stripping drops unused engine modules; Medium managed stripping
            // removes unreachable C# without the breakage High can cause with reflection
            // (add a link.xml if a plugin needs more kept); IL2CPP generates size-optimized code.
            PlayerSettings.stripEngineCode = true;
            PlayerSettings.SetManagedStrippingLevel(webGL, ManagedStrippingLevel.Medium);
            PlayerSettings.SetIl2CppCodeGeneration(webGL, Il2CppCodeGeneration.OptimizeSize);
            PlayerSettings.stripUnusedMeshComponents = true;

            // Release runtime. With exception support off, IL2CPP emits no exception-handling
            // code (smaller, faster), and any exception that is thrown stops the player, so
            // verify the game in a development build first. Use ExplicitlyThrownExceptionsOnly
            // instead if gameplay code relies on try/catch.
            PlayerSettings.WebGL.exceptionSupport = WebGLExceptionSupport.None;
            PlayerSettings.WebGL.debugSymbolMode = WebGLDebugSymbolMode.Off;
            PlayerSettings.WebGL.threadsSupport = false;

            // Memory. Start small so low-end devices can allocate the heap at all, and grow
            // geometrically up to a ceiling mobile browsers accept.
            PlayerSettings.WebGL.initialMemorySize = InitialMemoryMB;
            PlayerSettings.WebGL.maximumMemorySize = MaximumMemoryMB;
            PlayerSettings.WebGL.memoryGrowthMode = WebGLMemoryGrowthMode.Geometric;

            // Graphics. WebGL 2 only: every current browser has it, and without the WebGL 1
            // fallback no GLES2 shader variants are compiled or shipped.
            PlayerSettings.SetUseDefaultGraphicsAPIs(BuildTarget.WebGL, false);
            PlayerSettings.SetGraphicsAPIs(BuildTarget.WebGL, new[] { GraphicsDeviceType.OpenGLES3 });

            PlayerSettings.defaultWebScreenWidth = CanvasWidth;
            PlayerSettings.defaultWebScreenHeight = CanvasHeight;

            EditorUserBuildSettings.development = false;
            AssetDatabase.SaveAssets();
            Debug.Log("[Spark] Platformer 2D: low-end WebGL settings applied (gzip, stripping, no exceptions, " + InitialMemoryMB + "-" + MaximumMemoryMB + " MB heap).");
        }

        [MenuItem(MenuRoot + "Build Low-End WebGL", false, 20)]
        private static void BuildFromMenu()
        {
            Build(DefaultOutputPath);
        }

        /// <summary>
        /// Applies <see cref="Apply"/> and builds every enabled scene in the build settings as a
        /// release WebGL player into <paramref name="outputPath"/>.
        /// </summary>
        /// <returns>True when the build succeeded.</returns>
        public static bool Build(string outputPath)
        {
            string[] scenes = EditorBuildSettings.scenes
                .Where(scene => scene.enabled)
                .Select(scene => scene.path)
                .ToArray();
            if (scenes.Length == 0)
            {
                Debug.LogError("[Spark] No enabled scenes: add the game's scenes to the build settings scene list first.");
                return false;
            }

            if (!BuildPipeline.IsBuildTargetSupported(BuildTargetGroup.WebGL, BuildTarget.WebGL))
            {
                Debug.LogError("[Spark] WebGL Build Support is not installed for this editor; add the module in Unity Hub.");
                return false;
            }

            Apply();
            BuildPlayerOptions options = new BuildPlayerOptions
            {
                scenes = scenes,
                locationPathName = outputPath,
                target = BuildTarget.WebGL,
                targetGroup = BuildTargetGroup.WebGL,
                options = BuildOptions.None,
            };

            BuildReport report = BuildPipeline.BuildPlayer(options);
            BuildSummary summary = report.summary;
            if (summary.result == BuildResult.Succeeded)
            {
                float megabytes = summary.totalSize / (1024f * 1024f);
                Debug.Log($"[Spark] WebGL build written to {summary.outputPath}: {megabytes:0.0} MB in {summary.totalTime.TotalSeconds:0} s.");
                return true;
            }

            Debug.LogError($"[Spark] WebGL build {summary.result} with {summary.totalErrors} error(s); see the Console for details.");
            return false;
        }

        /// <summary>
        /// Batch-mode entry point for <c>-executeMethod</c>. Reads an optional
        /// <c>-buildOutput &lt;folder&gt;</c> argument and exits the editor with the build result.
        /// </summary>
        public static void BuildFromCommandLine()
        {
            string outputPath = DefaultOutputPath;
            string[] args = System.Environment.GetCommandLineArgs();
            for (int i = 0; i < args.Length - 1; i++)
            {
                if (args[i] == "-buildOutput")
                {
                    outputPath = args[i + 1];
                }
            }

            bool succeeded = Build(outputPath);
            EditorApplication.Exit(succeeded ? 0 : 1);
        }
    }
}
