// One job's whole verdict: the judgement, its summary and its explanation, as the plugin prints it.
import type { PluginResult } from '../output/pluginOutput.js';
import { explain } from './explain.js';
import { judge, summarise } from './judge.js';
import type { CheckFacts, CheckPolicy } from './types.js';

export function verdict(facts: CheckFacts, policy: CheckPolicy, now: Date, verbose: number): PluginResult {
  const j = judge(facts, policy, now);
  const { state, summary, perfdata } = summarise(j);
  return { state, summary, longOutput: explain(facts, j, verbose, policy), perfdata };
}
