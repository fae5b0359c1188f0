import { describe, expect, it } from 'vitest';
import { signupBody } from '../../contracts/api';
import { passwordProblem } from '../../contracts/password';
import { textProblem } from '../../contracts/text';

describe('passwordProblem', () => {
  it.each([
    ['password', /common/],
    ['Password123!', /common/],
    ['qwerty2024', /common/],
    ['12345678', /run/],
    ['98765432', /run/],
    ['abcdefghij', /run/],
    ['asdfghjkl', /run/],
    ['        ', /spaces/],
    ['\t\t\t\t\t\t\t\t', /spaces/],
    ['zzzzzzzzzz', /repeated/],
    ['11221122', /guess/],
  ])('refuses %j', (p, why) => {
    expect(passwordProblem(p)).toMatch(why);
  });

  it.each(['correct horse battery', 'analytical engine', 'another one!', 'whatever123', 'unity is my engine 4', '48151623'])('accepts %j', (p) => {
    expect(passwordProblem(p)).toBeUndefined();
  });

  it('is applied by the sign-up schema, after the length rule', () => {
    expect(signupBody.safeParse({ email: 'a@example.com', password: 'password' }).success).toBe(false);
    expect(signupBody.safeParse({ email: 'a@example.com', password: 'short' }).error?.issues[0]?.message).toMatch(/at least 8/);
    expect(signupBody.safeParse({ email: 'a@example.com', password: 'fine long phrase' }).success).toBe(true);
  });
});

describe('textProblem', () => {
  it('refuses NUL, control characters and lone surrogates; accepts any other text', () => {
    expect(textProblem('a\u0000b')).toMatch(/NUL/);
    expect(textProblem('a\u001bb')).toMatch(/control/);
    expect(textProblem('a\ud800')).toMatch(/surrogate/);
    expect(textProblem('\udfffa')).toMatch(/surrogate/);
    for (const ok of ['', 'plain', 'ünïcödé', '😀 emoji', '日本語', 'tab-free']) expect(textProblem(ok), ok).toBeUndefined();
  });
});
