// rules.*, policies.* and schedules.*: saved rule sets, schedule policies, and backup schedules,
// each showing where it is used. A schedule keeps the rule set's name and a copy of its actions;
// saving a rule set updates the copies, so a schedule always runs the rules the console shows.
import type { PolicyView, ScheduleView } from "../../../shared/api";
import { ruleTemplate, RULE_TEMPLATES, type TemplateName } from "../../rules";
import type { SavedRules } from "../../rules/store";
import { describePolicy } from "../../schedule/policy";
import type { BackupSchedule } from "../../schedule/protect";
import { nextStart, runStatus } from "../../schedule/status";
import type { EngineContext } from "../context";
import { backupRequest } from "./backups";
import type { Handlers } from "./types";

type Schedule = BackupSchedule & { rulesName?: string };

async function scheduleView(ctx: EngineContext, s: Schedule): Promise<ScheduleView> {
  const store = await ctx.state.schedules();
  const state = store.get(s.id);
  const policy = store.policies().find((p) => p.name === s.policy);
  return {
    name: s.name, kind: "backup", policy: s.policy, cluster: s.cluster, locations: s.locations, namespaces: s.request.spec.namespaces,
    labelSelector: s.request.spec.labelSelector, rules: s.rulesName, paused: Boolean(s.paused), createdAt: s.createdAt,
    nextRunAt: policy && !s.paused ? nextStart(s, policy, state, new Date()).toISOString() : undefined,
    last: { result: runStatus(state), message: state.lastMessage, startedAt: state.lastStartedAt, endedAt: state.lastEndedAt },
  };
}

function ruleUsers(schedules: Schedule[], name: string): string[] {
  return schedules.filter((s) => s.rulesName === name).map((s) => `schedule ${s.name}`);
}

export function scheduleCalls(ctx: EngineContext): Handlers<
  "rules.list" | "rules.template" | "rules.save" | "rules.remove" | "policies.list" | "policies.save" | "policies.remove" |
  "schedules.list" | "schedules.create" | "schedules.pause" | "schedules.remove"
> {
  const schedules = async () => (await ctx.state.schedules()).schedules() as Schedule[];
  const ruleView = async (r: SavedRules) => ({ name: r.name, rules: r.rules, template: r.template, usedBy: ruleUsers(await schedules(), r.name) });
  const policyView = async (name: string): Promise<PolicyView> => {
    const store = await ctx.state.schedules();
    const policy = store.policy(name);
    return { policy, description: describePolicy(policy), usedBy: store.usage()[name] ?? [] };
  };
  return {
    "rules.list": async () => ({ rules: await Promise.all(ctx.rules.list().map(ruleView)), templates: Object.keys(RULE_TEMPLATES) }),
    "rules.template": async ({ template, podSelector, namespace, container }) => ruleTemplate(template as TemplateName, { podSelector, namespace, container }),
    "rules.save": async ({ name, rules, template }) => {
      const saved = ctx.rules.save(name, rules, template);
      // Schedules that use these rules run the new actions from now on.
      const store = await ctx.state.schedules();
      for (const s of (await schedules()).filter((x) => x.rulesName === name)) {
        store.removeSchedule(s.name);
        store.addSchedule({ ...s, request: { ...s.request, rules: saved.rules } });
      }
      ctx.changed("rules");
      return ruleView(saved);
    },
    "rules.remove": async ({ name }) => {
      ctx.rules.remove(name, ruleUsers(await schedules(), name));
      ctx.changed("rules");
      return { ok: true };
    },
    "policies.list": async () => Promise.all((await ctx.state.schedules()).policies().map((p) => policyView(p.name))),
    "policies.save": async ({ policy }) => {
      (await ctx.state.schedules()).savePolicy(policy);
      ctx.changed("policies");
      ctx.changed("schedules");
      return policyView(policy.name);
    },
    "policies.remove": async ({ name }) => {
      (await ctx.state.schedules()).removePolicy(name);
      ctx.changed("policies");
      return { ok: true };
    },
    "schedules.list": async () => Promise.all((await schedules()).map((s) => scheduleView(ctx, s))),
    "schedules.create": async (r) => {
      const req = await backupRequest(ctx, r);
      for (const location of r.locations) await ctx.state.location(location);
      const { name: _name, cluster: _cluster, ...request } = req;
      const schedule: Schedule = (await ctx.state.schedules()).addSchedule({
        name: r.name, policy: r.policy, cluster: r.cluster, locations: r.locations, request, ...(r.rules ? { rulesName: r.rules } : {}),
      } as Schedule);
      ctx.changed("schedules");
      ctx.changed("policies");
      return scheduleView(ctx, schedule);
    },
    "schedules.pause": async ({ name, paused }) => {
      const updated = (await ctx.state.schedules()).updateSchedule(name, { paused });
      ctx.changed("schedules");
      return scheduleView(ctx, updated);
    },
    "schedules.remove": async ({ name }) => {
      (await ctx.state.schedules()).removeSchedule(name);
      ctx.changed("schedules");
      ctx.changed("policies");
      return { ok: true };
    },
  };
}
