using UnityEditor;
using UnityEngine;

namespace Spark.Presets.Platformer2D.Editor
{
    /// <summary>
    /// Gives newly imported textures pixel-art import settings plus a low-end WebGL override:
    /// point filtering, no mipmaps, no compression, and at most <see cref="WebGLMaxTextureSize"/> px.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Settings are stamped only on a texture's first import (when it has no .meta file yet), so
    /// any later change made in the Inspector survives reimports, and textures that arrive with
    /// their own .meta (Asset Store, packages) are left alone. Use
    /// Tools > Spark > Platformer 2D > Reapply Texture Import Settings to apply them to every texture
    /// already in Assets/.
    /// </para>
    /// <para>
    /// Why uncompressed: block compression (DXT/BC, ETC2, ASTC) encodes 4x4 pixel blocks with a
    /// couple of interpolated colors, which smears hard pixel edges and shifts palette colors,
    /// exactly what pixel art cannot hide. Pixel-art sheets are small, so RGBA32 costs little
    /// memory, and the build's gzip compression still shrinks the download. Crunch is off
    /// because it is a lossy layer on top of block compression.
    /// </para>
    /// <para>
    /// Only the WebGL platform override is capped; other platforms keep their defaults. Keep
    /// sprite sheets and atlases at or below the cap: Unity downscales larger ones, which blurs
    /// pixel art.
    /// </para>
    /// </remarks>
    public sealed class Platformer2DTexturePostprocessor : AssetPostprocessor
    {
        /// <summary>Largest side, in pixels, a texture may have in a WebGL build.</summary>
        public const int WebGLMaxTextureSize = 1024;

        /// <summary>The platform name Unity uses for WebGL texture overrides.</summary>
        public const string WebGLPlatformName = "WebGL";

        private const string MenuPath = "Tools/Spark/Platformer 2D/Reapply Texture Import Settings";

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

        /// <summary>Writes the pixel-art defaults and the WebGL override into <paramref name="importer"/>.</summary>
        public static void ApplySettings(TextureImporter importer)
        {
            importer.filterMode = FilterMode.Point;
            importer.mipmapEnabled = false;
            importer.textureCompression = TextureImporterCompression.Uncompressed;
            importer.crunchedCompression = false;

            TextureImporterPlatformSettings webgl = importer.GetPlatformTextureSettings(WebGLPlatformName);
            webgl.overridden = true;
            webgl.maxTextureSize = WebGLMaxTextureSize;
            webgl.format = TextureImporterFormat.Automatic;
            webgl.textureCompression = TextureImporterCompression.Uncompressed;
            webgl.crunchedCompression = false;
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
                    $"Apply point filtering, no compression and a {WebGLMaxTextureSize} px WebGL cap to up to {guids.Length} textures under Assets/? This overwrites their current import settings.",
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

            Debug.Log($"[Spark] Pixel-art WebGL import settings applied to {changed} textures.");
        }
    }
}
