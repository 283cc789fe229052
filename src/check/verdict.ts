// One job's whole verdict: the judgement, its summary and its explanation, as the plugin prints it.
import type { PluginResult } from '../output/pluginOutput.js';
import { optionSpec } from '../common/options.js';
import { siblingExecutable } from '../common/install.js';
import { explain, type ExplainOptions } from './explain.js';
import { summarise } from './judge.js';
import type { CheckFacts, CheckPolicy, Judgement } from './types.js';

/** The explanation's settings for a policy: this installation's env-sync-run, the table's default state directory. */
export function explainOptions(policy: Pick<CheckPolicy, 'stateDir' | 'syslog'>): ExplainOptions {
  return {
    stateDir: policy.stateDir,
    syslog: policy.syslog,
    defaultStateDir: String(optionSpec('stateDir').default),
    envSyncRun: siblingExecutable('env-sync-run'),
  };
}

export function verdict(facts: CheckFacts, j: Judgement, verbose: number, how: ExplainOptions): PluginResult {
  const { state, summary, perfdata } = summarise(j);
  return { state, summary, longOutput: explain(facts, j, verbose, how), perfdata };
}
