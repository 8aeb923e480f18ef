// Backup rules: commands run in an application's pods before and after a backup (quiescing a
// database, holding a lock while the data is copied), with templates for common databases.
export { BackupRulesSchema, RuleActionSchema, RuleValidationError, validateRules, WAIT_CMD } from "./schema";
export type { BackupRules, RuleAction, ValidAction, ValidRules } from "./schema";
export { RuleError, startRules } from "./run";
export type { ActionResult, RulesRun, StartOptions } from "./run";
export { RULE_TEMPLATES, ruleTemplate } from "./templates";
export type { RuleTemplate, TemplateName, TemplateOptions } from "./templates";
export { holdingMarker, substituteWaitCmd, waitCommand } from "./shell";
