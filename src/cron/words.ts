// Splits a cron command into words the way /bin/sh would for simple commands (quotes, backslashes),
// and says when it is not a simple command (pipes, lists, redirections, substitutions): such a line
// can be shown to a person but is never executed by `env-sync rerun --exec`.
export interface Words {
  words: string[];
  /** The first shell operator found outside quotes, if any. */
  shellOperator: string | null;
}

export function splitWords(line: string): Words {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let op: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) {
        op ??= "unterminated '";
        cur += line.slice(i + 1);
        i = line.length;
      } else {
        cur += line.slice(i + 1, end);
        i = end;
      }
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        else if (line[i] === '$' || line[i] === '`') op ??= line[i]!;
        cur += line[i];
      }
      if (i >= line.length) op ??= 'unterminated "';
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      if ('|&;<>()$`'.includes(c)) op ??= c;
      // cron turns an unescaped % into a newline: not a simple command either.
      if (c === '%') op ??= '%';
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return { words, shellOperator: op };
}
