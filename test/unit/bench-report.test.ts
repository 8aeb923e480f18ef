// The benchmark's pure summary: several rounds make one run per tool and target.
import { describe, expect, test } from "vitest";
import { medianOfRounds, type RunMetrics } from "../../bench/report";

const run = (tool: RunMetrics["tool"], backupSeconds: number, rss: number, extra: Partial<RunMetrics> = {}): RunMetrics => ({
  tool, target: "folder", streamBytes: 1e9, backupSeconds, incrementalSeconds: backupSeconds / 2, restoreSeconds: backupSeconds / 4,
  repositoryBytes: 7e8, backupPeakRssBytes: rss, restorePeakRssBytes: rss / 2, restoreVerified: true, ...extra,
});

describe("medianOfRounds", () => {
  test("medians of times and size, the largest peak RSS, verified only if every round was", () => {
    const [lifeboat, restic] = medianOfRounds([
      [run("lifeboat", 5, 250e6, { engineBackupSeconds: 4.5 }), run("restic", 9, 100e6)],
      // Another order in this round: matched by tool and target, not by position.
      [run("restic", 7, 120e6, { restoreVerified: false }), run("lifeboat", 4, 290e6, { engineBackupSeconds: 3.5 })],
      [run("lifeboat", 4.4, 260e6, { engineBackupSeconds: 4 }), run("restic", 8, 110e6)],
    ]);
    expect(lifeboat).toMatchObject({ tool: "lifeboat", backupSeconds: 4.4, incrementalSeconds: 2.2, backupPeakRssBytes: 290e6, engineBackupSeconds: 4, restoreVerified: true });
    expect(restic).toMatchObject({ tool: "restic", backupSeconds: 8, backupPeakRssBytes: 120e6, restoreVerified: false });
    expect(restic).not.toHaveProperty("engineBackupSeconds");
  });

  test("an even number of rounds takes the mean of the middle two; one round is itself", () => {
    expect(medianOfRounds([[run("kopia", 10, 1)], [run("kopia", 12, 2)]])[0]!.backupSeconds).toBe(11);
    const single = run("lifeboat", 3, 5);
    expect(medianOfRounds([[single]])[0]).toEqual({ ...single, engineBackupSeconds: undefined, engineIncrementalSeconds: undefined, engineRestoreSeconds: undefined });
  });
});
