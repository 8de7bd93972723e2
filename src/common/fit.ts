/** Text fitted to the terminal's width: help, and lines with a hanging indent. */

/**
 * Help text fitted to `columns` when a line of it is longer: continued lines
 * are joined and the text is broken again at spaces, a flag's description
 * under its own column, other text under its indent.
 */
export function fitted(text: string, columns = 80): string {
  const width = Math.max(40, columns);
  const lines = text.split('\n');
  if (lines.every((l) => l.length <= width)) return text;
  const paragraphs: Array<{ text: string; indent: number }> = [];
  for (const line of lines) {
    const lead = /^ */.exec(line)?.[0].length ?? 0;
    // A term and its description, two spaces or more apart: "  --time T     cap per group".
    const term = /^( *\S.*?\s{2,})\S/.exec(line)?.[1]?.length;
    const last = paragraphs.at(-1);
    if (term === undefined && lead > 0 && line.trim() !== '' && last?.indent === lead) last.text += ` ${line.trim()}`;
    else paragraphs.push({ text: line, indent: term ?? lead });
  }
  return paragraphs.flatMap((p) => hanging(p.text, p.indent <= width / 2 ? p.indent : 4, width)).join('\n');
}

/** `line` broken at spaces into lines of at most `width`, each after the first indented by `indent`. */
export function hanging(line: string, indent: number, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    if (cut <= indent) break;
    out.push(rest.slice(0, cut).trimEnd());
    rest = ' '.repeat(indent) + rest.slice(cut + 1).trimStart();
  }
  return [...out, rest];
}
