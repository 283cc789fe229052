// Reads a cron command the way /bin/sh reads a simple command — words, quotes, backslashes — and
// keeps where each word stands in the text, so a re-run can drop the words that are only for cron
// (ionice …, with_reboot_lock NAME) and add env-sync-run, and leave everything else as the sh text
// it was: VAR=value, ~/, $VAR, quotes, pipes and redirections then work as cron ran them.
export interface Token {
  /** The word as sh sees it, quotes and backslashes removed. */
  value: string;
  /** Where its raw text starts and ends in the line. */
  start: number;
  end: number;
}

export interface Words {
  words: string[];
  tokens: Token[];
  /** The first shell operator found outside quotes, if any (|, &, ;, <, >, (, ), $, `, %). */
  shellOperator: string | null;
  /** Where the first simple command ends: at the first |, &, ;, <, >, (, ) or newline outside quotes. */
  firstCommandEnd: number;
}

const ENDS_COMMAND = '|&;<>()\n';

export function splitWords(line: string): Words {
  const tokens: Token[] = [];
  let cur = '';
  let start = -1;
  let op: string | null = null;
  let firstCommandEnd = -1;
  const endWord = (at: number) => {
    if (start !== -1) tokens.push({ value: cur, start, end: at });
    cur = '';
    start = -1;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      if (start === -1) start = i;
      const end = line.indexOf("'", i + 1);
      if (end === -1) {
        op ??= "unterminated '";
        cur += line.slice(i + 1);
        i = line.length;
      } else {
        cur += line.slice(i + 1, end);
        i = end;
      }
    } else if (c === '"') {
      if (start === -1) start = i;
      i++;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        else if (line[i] === '$' || line[i] === '`') op ??= line[i]!;
        cur += line[i];
      }
      if (i >= line.length) op ??= 'unterminated "';
    } else if (c === '\\' && i + 1 < line.length) {
      if (start === -1) start = i;
      cur += line[++i];
    } else if (c === ' ' || c === '\t') {
      endWord(i);
    } else if (ENDS_COMMAND.includes(c)) {
      endWord(i);
      op ??= c;
      if (firstCommandEnd === -1) firstCommandEnd = i;
      // The operator is its own word for the list of words (as before), not part of the next one.
      tokens.push({ value: c, start: i, end: i + 1 });
    } else {
      if ('$`'.includes(c)) op ??= c;
      // cron turns an unescaped % into a newline: not a simple command either.
      if (c === '%') op ??= '%';
      if (start === -1) start = i;
      cur += c;
    }
  }
  endWord(line.length);
  return { words: tokens.map((t) => t.value), tokens, shellOperator: op, firstCommandEnd: firstCommandEnd === -1 ? line.length : firstCommandEnd };
}
