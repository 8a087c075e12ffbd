// The lazy command registry: `meshc --help` lists names and summaries written in the registry, so they
// must stay equal to what each command module declares once loaded.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../compiler/cli/registry.js';

describe('command registry', () => {
  it('each entry loads a command with the same name and summary', async () => {
    expect(COMMANDS.map((c) => c.name)).toContain('proxy');
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }, entry.name).toEqual({
        name: entry.name,
        summary: entry.summary,
      });
    }
  });
});
