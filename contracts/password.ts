// Passwords nobody should be allowed to pick: the most common ones, and trivial shapes (one
// character repeated, whitespace only, a run like 12345678 or abcdefgh, a keyboard row).
// A small built-in list: the first guesses of every attacker, not a breach corpus.

const COMMON = new Set([
  'password', 'passw0rd', 'p@ssword', 'p@ssw0rd', 'password1', 'password12', 'password123', 'passwort', 'motdepasse',
  'qwerty', 'qwertyuiop', 'qwerty123', 'qwertyui', 'azerty', 'azertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz2wsx', 'qazwsx',
  'iloveyou', 'letmein', 'welcome', 'welcome1', 'admin', 'administrator', 'admin123', 'changeme', 'secret', 'trustno1',
  'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess', 'superman', 'batman', 'starwars', 'master',
  'shadow', 'michael', 'jennifer', 'computer', 'whatever1', 'freedom', 'internet', 'default', 'unity', 'unity3d',
  'spark', 'sparkpassword', 'gamedev', 'login', 'hello', 'helloworld', 'abc123', 'abcd1234', 'test', 'testtest',
  'test1234', 'guest', 'root', 'toor', 'access', 'mustang', 'charlie', 'loveme', 'pokemon', 'minecraft',
]);

const SEQUENCES = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890'];

/** Why `password` is too easy to guess, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  const p = password.normalize('NFC');
  if (p.trim() === '') return 'must not be only spaces';
  const lower = p.toLowerCase();
  if (new Set(lower).size === 1) return 'must not be one character repeated';
  if (isRun(lower)) return 'must not be a run like 12345678, abcdefgh or a keyboard row';
  // "Password1!", "qwerty2024": a common word with digits or symbols stuck on is still common.
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (COMMON.has(lower) || COMMON.has(core) || (core === '' && /^\d+$/.test(lower) && new Set(lower).size <= 2)) {
    return 'is too common; pick something less guessable (a few unrelated words work well)';
  }
  if (/^\d+$/.test(lower) && new Set(lower).size <= 3) return 'is too easy to guess; add letters or more varied digits';
  return undefined;
}

/** The whole string (ignoring spaces) is a slice of a known sequence, forwards or backwards. */
function isRun(s: string): boolean {
  const compact = s.replace(/\s+/g, '');
  if (compact.length < 4) return false;
  const reversed = [...compact].reverse().join('');
  return SEQUENCES.some((seq) => seq.includes(compact) || seq.includes(reversed) || (seq + seq).includes(compact));
}
