using UnityEditor;
using UnityEngine;

namespace Spark.Presets.VisualNovel.Editor
{
    /// <summary>
    /// Gives newly imported textures visual-novel import settings plus a low-end WebGL override:
    /// bilinear filtering, no mipmaps, crunched block compression, and at most
    /// <see cref="WebGLMaxTextureSize"/> px.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Settings are stamped only on a texture's first import (when it has no .meta file yet), so
    /// any later change made in the Inspector survives reimports, and textures that arrive with
    /// their own .meta (Asset Store, packages) are left alone. Use
    /// Tools > Spark > Visual Novel > Reapply Texture Import Settings to apply them to every
    /// texture already in Assets/.
    /// </para>
    /// <para>
    /// Why these choices: backgrounds and character art are painted, so bilinear filtering and
    /// block compression look right, unlike pixel art. A visual novel draws its art at a fixed,
    /// near-native size on a UI canvas, so mipmaps would only add a third more memory. Crunch
    /// shrinks the download, which dominates a WebGL visual novel's load time, at a small quality
    /// cost. A 1920x1080 background becomes 1024x576 in the WebGL build, which still reads well on
    /// a browser canvas. Block compression needs sizes that are multiples of 4; other sizes fall
    /// back to uncompressed, so export art at such sizes.
    /// </para>
    /// <para>Only the WebGL platform override is capped; other platforms keep their defaults.</para>
    /// </remarks>
    public sealed class VisualNovelTexturePostprocessor : AssetPostprocessor
    {
        /// <summary>Largest side, in pixels, a texture may have in a WebGL build.</summary>
        public const int WebGLMaxTextureSize = 1024;

        /// <summary>Crunch quality, 0-100; 50 is Unity's default balance of size and quality.</summary>
        public const int CrunchQuality = 50;

        /// <summary>The platform name Unity uses for WebGL texture overrides.</summary>
        public const string WebGLPlatformName = "WebGL";

        private const string MenuPath = "Tools/Spark/Visual Novel/Reapply Texture Import Settings";

        private void OnPreprocessTexture()
        {
            if (!(assetImporter is TextureImporter importer) || !importer.importSettingsMissing)
            {
                return;
            }

            if (ShouldProcess(assetPath, importer))
            {
                ApplySettings(importer);
            }
        }

        /// <summary>Writes the visual-novel defaults and the WebGL override into <paramref name="importer"/>.</summary>
        public static void ApplySettings(TextureImporter importer)
        {
            importer.filterMode = FilterMode.Bilinear;
            importer.mipmapEnabled = false;
            importer.alphaIsTransparency = true;

            TextureImporterPlatformSettings webgl = importer.GetPlatformTextureSettings(WebGLPlatformName);
            webgl.overridden = true;
            webgl.maxTextureSize = WebGLMaxTextureSize;
            webgl.format = TextureImporterFormat.Automatic;
            webgl.textureCompression = TextureImporterCompression.Compressed;
            webgl.crunchedCompression = true;
            webgl.compressionQuality = CrunchQuality;
            importer.SetPlatformTextureSettings(webgl);
        }

        /// <summary>
        /// Colour textures outside Editor folders are processed; normal maps, lightmaps and other
        /// data textures keep Unity's defaults.
        /// </summary>
        public static bool ShouldProcess(string path, TextureImporter importer)
        {
            if (!path.StartsWith("Assets/") || path.Contains("/Editor/"))
            {
                return false;
            }

            TextureImporterType type = importer.textureType;
            return type == TextureImporterType.Sprite
                || type == TextureImporterType.Default
                || type == TextureImporterType.GUI;
        }

        [MenuItem(MenuPath)]
        private static void ReapplyToAllTextures()
        {
            string[] guids = AssetDatabase.FindAssets("t:Texture2D", new[] { "Assets" });
            if (!EditorUtility.DisplayDialog(
                    "Reapply texture import settings",
                    $"Apply bilinear filtering, crunch compression and a {WebGLMaxTextureSize} px WebGL cap to up to {guids.Length} textures under Assets/? This overwrites their current import settings.",
                    "Apply",
                    "Cancel"))
            {
                return;
            }

            int changed = 0;
            AssetDatabase.StartAssetEditing();
            try
            {
                foreach (string guid in guids)
                {
                    string path = AssetDatabase.GUIDToAssetPath(guid);
                    if (AssetImporter.GetAtPath(path) is TextureImporter importer && ShouldProcess(path, importer))
                    {
                        ApplySettings(importer);
                        importer.SaveAndReimport();
                        changed++;
                    }
                }
            }
            finally
            {
                AssetDatabase.StopAssetEditing();
            }

            Debug.Log($"[Spark] Visual-novel WebGL import settings applied to {changed} textures.");
        }
    }
}
