import parse from 'parse-prometheus-text-format';

export interface Family {
  name: string;
  help: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

/** Metric families of a Prometheus text exposition (parse-prometheus-text-format); throws on text that is not one. */
export function families(text: string): Family[] {
  const parsed = parse(text) as Family[];
  for (const f of parsed) {
    for (const m of f.metrics) {
      if (m.value !== undefined && !/^(-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$/i.test(m.value)) throw new Error(`not Prometheus text: ${f.name} has value ${m.value}`);
    }
  }
  return parsed;
}

/** The samples of one gauge or counter family: labels and value. */
export function gauge(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const family = families(text).find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name} in the exposition`);
  return family.metrics.map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

/**
 * Every sample line of a histogram's series (`<name>_bucket|_sum|_count{labels} value`) with its
 * labels read as the exposition format writes them. The library above merges a labelled
 * histogram's series into one, so these are read line by line.
 */
export function histogramSeries(text: string, name: string): { series: string; labels: Record<string, string>; value: number }[] {
  const line = new RegExp(`^${name}_(bucket|sum|count)\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\]|\\\\.)*",?)*)\\} (\\S+)$`);
  return text.split('\n').flatMap((l) => {
    const m = line.exec(l);
    if (!m) return [];
    const labels = Object.fromEntries([...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    return [{ series: m[1]!, labels, value: Number(m[3]) }];
  });
}
