// C# highlighting for the script editor: highlight.js's core with only its C# grammar (a small,
// maintained, dependency-free highlighter whose output escapes the source text), so the bundle
// carries one language, not 190.
import hljs from 'highlight.js/lib/core';
import csharp from 'highlight.js/lib/languages/csharp';

hljs.registerLanguage('csharp', csharp);

/** The code as highlighted HTML (every character of `code` is escaped by highlight.js). */
export function highlightCSharp(code: string): string {
  const html = hljs.highlight(code, { language: 'csharp', ignoreIllegals: true }).value;
  // A <pre> drops a last empty line; the textarea over it does not, so keep them the same height.
  return code.endsWith('\n') || code === '' ? `${html} ` : html;
}
