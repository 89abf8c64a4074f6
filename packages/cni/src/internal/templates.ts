/**
 * Recognizes placeholders of configuration templates that were never filled in: the `__NAME__` markers of
 * Calico's and AWS's install scripts, Go text/template and Helm actions (`{{ .PodCIDR }}`), and shell
 * parameters (`$2`, `${MTU}`). Kept deliberately narrow, so that real values are never mistaken for them.
 */

const MAX_TOKEN = 60;

function isUpperWord(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function cut(s: string): string {
  return s.length > MAX_TOKEN ? `${s.slice(0, MAX_TOKEN)}…` : s;
}

/**
 * templateAt returns the placeholder that starts at `i` in `s`, or undefined. It is asked where a JSON parse
 * failed, to tell `"mtu": __CNI_MTU__` apart from a plain syntax error.
 */
export function templateAt(s: string, i: number): string | undefined {
  const c = s.charCodeAt(i);
  if (c === 123 && s.charCodeAt(i + 1) === 123) {
    // {{ ... }}: Go text/template, Helm, Jinja.
    const end = s.indexOf('}}', i + 2);
    return cut(end < 0 || end - i > 200 ? s.slice(i, i + 2) : s.slice(i, end + 2));
  }
  if (c === 95 && s.charCodeAt(i + 1) === 95) {
    // __NAME__
    let j = i + 2;
    while (j < s.length && j - i < 100 && isUpperWord(s.charCodeAt(j))) j++;
    const t = s.slice(i, j);
    if (t.length >= 5 && t.endsWith('__') && isNameStart(t.charCodeAt(2))) return cut(t);
    return undefined;
  }
  if (c === 36) {
    // $1, ${NAME}, $NAME
    const d = s.charCodeAt(i + 1);
    let j = i + 1;
    if (d >= 48 && d <= 57) {
      while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
      return cut(s.slice(i, j));
    }
    if (d === 123) {
      const end = s.indexOf('}', i + 2);
      return end > i + 2 && end - i < 100 ? cut(s.slice(i, end + 1)) : undefined;
    }
    if (isNameStart(d)) {
      while (j < s.length && j - i < 100 && (isNameStart(s.charCodeAt(j)) || (s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57))) j++;
      return cut(s.slice(i, j));
    }
    return undefined;
  }
  if (c === 60 && s.charCodeAt(i + 1) === 37) {
    // <% ... %>: ERB
    const end = s.indexOf('%>', i + 2);
    return cut(end < 0 || end - i > 200 ? s.slice(i, i + 2) : s.slice(i, end + 2));
  }
  return undefined;
}

/**
 * templateIn returns the first placeholder inside a JSON string value, or undefined: `__NAME__` or `{{ ... }}`
 * anywhere in it, or a string that is nothing but a shell parameter (`$2`, `${MTU}`).
 */
export function templateIn(s: string): string | undefined {
  let k = s.indexOf('{{');
  if (k >= 0 && s.indexOf('}}', k + 2) > 0) return templateAt(s, k);
  k = s.indexOf('__');
  while (k >= 0) {
    const t = templateAt(s, k);
    if (t !== undefined) return t;
    k = s.indexOf('__', k + 1);
  }
  if (s.charCodeAt(0) === 36) {
    const t = templateAt(s, 0);
    if (t !== undefined && t.length === s.length) return t;
  }
  k = s.indexOf('${');
  if (k >= 0) return templateAt(s, k);
  return undefined;
}
