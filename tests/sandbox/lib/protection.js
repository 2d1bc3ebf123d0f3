'use strict';
// Branch protection rules (models/git/protected_branch.go, the same logic in all five tags unless
// a flavor field says otherwise): the rule as stored, its api.BranchProtection view, which rule
// applies to a branch, and the checks every write path makes: the contents API
// (services/repository/files VerifyBranchProtection), git push (routers/private/hook_pre_receive.go
// preReceiveBranch) and merges (services/pull/merge.go IsUserAllowedToMerge, CheckPullBranchProtections).

const { ApiError, nowIso } = require('./api/common');
const { ruleMatcher, isGlob, filePatterns, matchesAny } = require('./glob');

// The rule's options as CreateBranchProtectionOption names them, with the stored field each sets.
// Gitea (modules/structs/repo_branch.go @v1.24.7..v1.26.4) has priority, the force-push allowlist
// and block_admin_merge_override; Forgejo (@v11.0.15, @v12.0.4) has apply_to_admins instead.
const COMMON_BOOLS = [
  'enable_merge_whitelist', 'enable_status_check', 'enable_approvals_whitelist', 'block_on_rejected_reviews',
  'block_on_official_review_requests', 'block_on_outdated_branch', 'dismiss_stale_approvals', 'ignore_stale_approvals',
  'require_signed_commits',
];

// A new rule from CreateBranchProtectionOption `form` (routers/api/v1/repo/branch.go
// CreateBranchProtection, all five tags): rule_name, else branch_name; 400 when both are empty;
// 403 when a rule of that exact name exists; 422 for an unknown user or team; the enable_push
// flags gate the whitelist flags; whitelisted users without code write are dropped.
function createRule(sb, repo, form) {
  const f = form || {};
  const ruleName = f.rule_name || f.branch_name || '';
  if (!ruleName) throw new ApiError(400, 'both rule_name and branch_name are empty');
  if (repo.protections.some((r) => r.ruleName === ruleName)) throw new ApiError(403, 'Branch protection already exist');
  const gitea = sb.flavor.kind === 'gitea';
  const users = resolveLists(sb, repo, f, { push: true, forcePush: gitea, merge: true, approvals: true });
  const now = nowIso();
  const push = !!f.enable_push;
  const rule = {
    id: sb.nextProtectionId++,
    ruleName,
    canPush: push,
    enableWhitelist: push && !!f.enable_push_whitelist,
    whitelistDeployKeys: push && !!f.enable_push_whitelist && !!f.push_whitelist_deploy_keys,
    requiredApprovals: f.required_approvals > 0 ? f.required_approvals : 0,
    statusCheckContexts: f.status_check_contexts === undefined ? null : f.status_check_contexts,
    protectedFilePatterns: f.protected_file_patterns || '',
    unprotectedFilePatterns: f.unprotected_file_patterns || '',
    created: now,
    updated: now,
  };
  for (const k of COMMON_BOOLS) rule[k] = !!f[k];
  if (gitea) {
    rule.canForcePush = push && !!f.enable_force_push;
    rule.enableForcePushAllowlist = rule.canForcePush && !!f.enable_force_push_allowlist;
    rule.forcePushAllowlistDeployKeys = rule.enableForcePushAllowlist && !!f.force_push_allowlist_deploy_keys;
    rule.blockAdminMergeOverride = !!f.block_admin_merge_override;
    // models/git/protected_branch.go @v1.26.4 UpdateProtectBranch: a new rule without a priority
    // gets MAX(priority)+1
    rule.priority = f.priority || repo.protections.reduce((m, r) => Math.max(m, r.priority), 0) + 1;
  } else {
    rule.canForcePush = false;
    rule.applyToAdmins = !!f.apply_to_admins;
  }
  setWhitelists(sb, repo, rule, users);
  repo.protections.push(rule);
  return rule;
}

// PATCH (EditBranchProtection, all five tags): only the fields sent change; enable_push false
// clears the whitelist flags; enable_push_whitelist counts only with enable_push true.
function editRule(sb, repo, rule, form) {
  const f = form || {};
  const gitea = sb.flavor.kind === 'gitea';
  const has = (k) => f[k] !== undefined && f[k] !== null;
  if (has('enable_push')) {
    if (!f.enable_push) Object.assign(rule, { canPush: false, enableWhitelist: false, whitelistDeployKeys: false });
    else {
      rule.canPush = true;
      if (has('enable_push_whitelist')) {
        if (!f.enable_push_whitelist) Object.assign(rule, { enableWhitelist: false, whitelistDeployKeys: false });
        else {
          rule.enableWhitelist = true;
          if (has('push_whitelist_deploy_keys')) rule.whitelistDeployKeys = !!f.push_whitelist_deploy_keys;
        }
      }
    }
  }
  if (gitea && has('enable_force_push')) {
    if (!f.enable_force_push) Object.assign(rule, { canForcePush: false, enableForcePushAllowlist: false, forcePushAllowlistDeployKeys: false });
    else {
      rule.canForcePush = true;
      if (has('enable_force_push_allowlist')) {
        if (!f.enable_force_push_allowlist) Object.assign(rule, { enableForcePushAllowlist: false, forcePushAllowlistDeployKeys: false });
        else {
          rule.enableForcePushAllowlist = true;
          if (has('force_push_allowlist_deploy_keys')) rule.forcePushAllowlistDeployKeys = !!f.force_push_allowlist_deploy_keys;
        }
      }
    }
  }
  if (gitea && has('priority')) rule.priority = f.priority;
  for (const k of COMMON_BOOLS) if (has(k)) rule[k] = !!f[k];
  if (f.status_check_contexts !== undefined && f.status_check_contexts !== null) rule.statusCheckContexts = f.status_check_contexts;
  if (has('required_approvals') && f.required_approvals >= 0) rule.requiredApprovals = f.required_approvals;
  if (has('protected_file_patterns')) rule.protectedFilePatterns = f.protected_file_patterns;
  if (has('unprotected_file_patterns')) rule.unprotectedFilePatterns = f.unprotected_file_patterns;
  if (gitea && has('block_admin_merge_override')) rule.blockAdminMergeOverride = !!f.block_admin_merge_override;
  if (!gitea && has('apply_to_admins')) rule.applyToAdmins = !!f.apply_to_admins;
  // a list that is not sent keeps its users; routers/api/v1/repo/branch.go @v1.24.7 reads
  // force_push_allowlist_usernames only when force_push_allowlist_deploy_keys is sent (fixed in 1.25)
  const forcePushSent = sb.flavor.editForcePushUsernamesBug ? has('force_push_allowlist_deploy_keys') : f.force_push_allowlist_usernames !== undefined && f.force_push_allowlist_usernames !== null;
  const users = resolveLists(sb, repo, f, {
    push: f.push_whitelist_usernames != null,
    forcePush: gitea && forcePushSent,
    merge: f.merge_whitelist_usernames != null,
    approvals: f.approvals_whitelist_username != null,
  });
  setWhitelists(sb, repo, rule, users);
  rule.updated = nowIso();
  return rule;
}

// user_model.GetUserIDsByNames (not ignoring unknown names) for the lists asked for, then the
// teams (organisation repositories only): the sandbox has no named teams, so any team is unknown.
function resolveLists(sb, repo, f, which) {
  const out = {};
  const lists = [
    ['push', 'push_whitelist_usernames'],
    ['forcePush', 'force_push_allowlist_usernames'],
    ['merge', 'merge_whitelist_usernames'],
    ['approvals', 'approvals_whitelist_username'],
  ];
  for (const [key, field] of lists) {
    if (!which[key]) continue;
    out[key] = [];
    for (const name of f[field] || []) {
      const u = sb.userByName(name);
      if (!u) throw new ApiError(422, `user does not exist [uid: 0, name: ${name}]`);
      out[key].push(u);
    }
  }
  const owner = sb.userByName(repo.owner);
  if (owner && owner.isOrg) {
    for (const field of ['push_whitelist_teams', 'force_push_allowlist_teams', 'merge_whitelist_teams', 'approvals_whitelist_teams']) {
      for (const name of f[field] || []) throw new ApiError(422, `team does not exist [org_id ${owner.id}, team_id 0, name: ${name}]`);
    }
  }
  return out;
}

// UpdateProtectBranch: updateUserWhitelist keeps users with code write (GetIndividualUserRepoPermission);
// updateApprovalWhitelist keeps users with explicit read access to pull requests.
function setWhitelists(sb, repo, rule, users) {
  const writers = (list) => list.filter((u) => sb.userPermission(u, repo).canWrite('code')).map((u) => u.id);
  if (users.push) rule.whitelistUserIds = writers(users.push);
  if (users.forcePush) rule.forcePushAllowlistUserIds = writers(users.forcePush);
  if (users.merge) rule.mergeWhitelistUserIds = writers(users.merge);
  if (users.approvals) {
    rule.approvalsWhitelistUserIds = users.approvals.filter((u) => {
      const p = sb.userPermission(u, repo);
      return p.canRead('pull_requests') && p.why !== 'public repository';
    }).map((u) => u.id);
  }
  for (const k of ['whitelistUserIds', 'forcePushAllowlistUserIds', 'mergeWhitelistUserIds', 'approvalsWhitelistUserIds']) if (!rule[k]) rule[k] = [];
}

// services/convert/convert.go ToBranchProtection: branch_name only for a plain (non-glob) rule;
// the user lists show users who can read the repository (getWhitelistEntities).
function ruleJson(sb, repo, rule) {
  const names = (ids) => ids.map((id) => [...sb.users.values()].find((u) => u.id === id)).filter(Boolean).map((u) => u.name);
  const j = {
    branch_name: isGlob(rule.ruleName) ? '' : rule.ruleName,
    rule_name: rule.ruleName,
    enable_push: rule.canPush,
    enable_push_whitelist: rule.enableWhitelist,
    push_whitelist_usernames: names(rule.whitelistUserIds),
    push_whitelist_teams: [],
    push_whitelist_deploy_keys: rule.whitelistDeployKeys,
    enable_merge_whitelist: rule.enable_merge_whitelist,
    merge_whitelist_usernames: names(rule.mergeWhitelistUserIds),
    merge_whitelist_teams: [],
    enable_status_check: rule.enable_status_check,
    status_check_contexts: rule.statusCheckContexts,
    required_approvals: rule.requiredApprovals,
    enable_approvals_whitelist: rule.enable_approvals_whitelist,
    approvals_whitelist_username: names(rule.approvalsWhitelistUserIds),
    approvals_whitelist_teams: [],
    block_on_rejected_reviews: rule.block_on_rejected_reviews,
    block_on_official_review_requests: rule.block_on_official_review_requests,
    block_on_outdated_branch: rule.block_on_outdated_branch,
    dismiss_stale_approvals: rule.dismiss_stale_approvals,
    ignore_stale_approvals: rule.ignore_stale_approvals,
    require_signed_commits: rule.require_signed_commits,
    protected_file_patterns: rule.protectedFilePatterns,
    unprotected_file_patterns: rule.unprotectedFilePatterns,
    created_at: rule.created,
    updated_at: rule.updated,
  };
  if (sb.flavor.kind === 'gitea') {
    Object.assign(j, {
      priority: rule.priority,
      enable_force_push: rule.canForcePush,
      enable_force_push_allowlist: rule.enableForcePushAllowlist,
      force_push_allowlist_usernames: names(rule.forcePushAllowlistUserIds),
      force_push_allowlist_teams: [],
      force_push_allowlist_deploy_keys: rule.forcePushAllowlistDeployKeys,
      block_admin_merge_override: rule.blockAdminMergeOverride,
    });
  } else j.apply_to_admins = rule.applyToAdmins;
  return j;
}

// models/git/protected_branch_list.go sort(): Gitea (all three tags) by priority, then plain names
// before globs, then the older rule; Forgejo (@v11.0.15, @v12.0.4) has no priority.
function sortedRules(flavor, repo) {
  return [...repo.protections].sort((a, b) => {
    if (flavor.kind === 'gitea' && a.priority !== b.priority) return a.priority - b.priority;
    const pa = !isGlob(a.ruleName);
    const pb = !isGlob(b.ruleName);
    if (pa !== pb) return pa ? -1 : 1;
    return a.id - b.id;
  });
}

// GetFirstMatchProtectedBranchRule: the first rule (in the order above) that matches `branch`, or null.
function firstMatch(flavor, repo, branch) {
  return sortedRules(flavor, repo).find((r) => ruleMatcher(r.ruleName)(branch)) || null;
}

// CanUserPush: enable_push off -> no one; whitelist on -> the listed users (teams: none here);
// otherwise whoever has code write (`perm`: the caller's Perm on the repository).
function canUserPush(rule, user, perm) {
  if (!rule.canPush) return false;
  if (!rule.enableWhitelist) return perm.canWrite('code');
  return !!user && rule.whitelistUserIds.includes(user.id);
}

// CanUserForcePush (Gitea only; Forgejo refuses every force push to a protected branch).
function canUserForcePush(rule, user, perm) {
  if (!rule.canForcePush) return false;
  if (!rule.enableForcePushAllowlist) return canUserPush(rule, user, perm);
  return !!user && rule.forcePushAllowlistUserIds.includes(user.id) && canUserPush(rule, user, perm);
}

// IsUserMergeWhitelisted: without a merge whitelist, code write decides.
function isMergeWhitelisted(rule, user, perm) {
  if (!rule.enable_merge_whitelist) return perm.canWrite('code');
  return !!user && rule.mergeWhitelistUserIds.includes(user.id);
}

// IsOfficialReviewer (models/issues/review.go): no rule -> code write; a rule without an approvals
// whitelist -> code write; else the whitelisted users.
function isOfficialReviewer(rule, user, perm) {
  if (!rule || !rule.enable_approvals_whitelist) return perm.canWrite('code');
  return !!user && rule.approvalsWhitelistUserIds.includes(user.id);
}

// services/repository/files/update.go VerifyBranchProtection (all five tags), for a contents-API
// write into `branch` touching `paths`: 403 `user cannot commit to repo [user: <lower name>]` when
// the caller may not push (unless every path is an unprotected file), 403 `path is protected and
// can not be changed [path: p]` for a protected file even for those who may push; a rule that
// requires signed commits refuses every write (the sandbox never signs: ErrWontSign).
function verifyContentsWrite(sb, repo, auth, perm, branch, paths) {
  const rule = firstMatch(sb.flavor, repo, branch);
  if (!rule) return;
  const user = auth.user;
  const cannot = () => new ApiError(403, `user cannot commit to repo [user: ${user.name.toLowerCase()}]`, { protection: rule.ruleName });
  const unprotected = filePatterns(rule.unprotectedFilePatterns);
  const protectedPats = filePatterns(rule.protectedFilePatterns);
  const mayPush = canUserPush(rule, user, perm);
  for (const p of paths) {
    const isUnprotected = unprotected.length > 0 && matchesAny(unprotected, p);
    if (!mayPush && !isUnprotected) throw cannot();
    if (matchesAny(protectedPats, p)) throw new ApiError(403, `path is protected and can not be changed [path: ${p}]`, { protection: rule.ruleName, protectedFile: true });
  }
  if (rule.require_signed_commits) throw cannot();
}

// routers/private/hook_pre_receive.go preReceiveBranch for one pushed branch update
// {branch, oldSha, newSha, force, files} by `user` with `perm` (a direct push, not a merge):
// null when allowed, else the message the hook prints.
function preReceiveBranch(sb, repo, user, perm, u) {
  const zero = /^0+$/;
  if (u.branch === repo.defaultBranch && zero.test(u.newSha)) return `branch ${u.branch} is the default branch and cannot be deleted`;
  const rule = firstMatch(sb.flavor, repo, u.branch);
  if (!rule) return null;
  if (zero.test(u.newSha)) return `branch ${u.branch} is protected from deletion`;
  // 2. force push: Gitea only when the rule allows it (CanForcePush); Forgejo never
  if (u.force && (sb.flavor.kind === 'forgejo' || !rule.canForcePush)) return `branch ${u.branch} is protected from force push`;
  // 3. signed commits: the sandbox's commits are never verified
  if (rule.require_signed_commits && u.newestCommit) return `branch ${u.branch} is protected from unverified commit ${u.newestCommit}`;
  // 4. protected files (lower-cased, as CheckFileProtection reports them)
  const protectedPats = filePatterns(rule.protectedFilePatterns);
  const changedProtected = protectedPats.length ? (u.files || []).find((f) => matchesAny(protectedPats, f)) : undefined;
  // 5. may the pusher push (or force-push)?
  const canPush = !changedProtected && (u.force ? canUserForcePush(rule, user, perm) : canUserPush(rule, user, perm));
  if (canPush) return null;
  // 6a. not a merge
  if (changedProtected) return `branch ${u.branch} is protected from changing file ${changedProtected.toLowerCase()}`;
  const unprotected = filePatterns(rule.unprotectedFilePatterns);
  if (unprotected.length && (u.files || []).length && u.files.every((f) => matchesAny(unprotected, f))) return null;
  if (u.force) return `Not allowed to force-push to protected branch ${u.branch}`;
  return `Not allowed to push to protected branch ${u.branch}`;
}

// What git shows for a hook message (cmd/serv.go fail): Gitea prints "error:", "error: <msg>",
// "error:" on stderr (@v1.24.7..v1.26.4); Forgejo prints "Forgejo: <msg>" (@v11.0.15, @v12.0.4).
function hookStderr(flavor, message) {
  return flavor.kind === 'gitea' ? `error:\nerror: ${message}\nerror:\n` : `Forgejo: ${message}\n`;
}

module.exports = {
  createRule,
  editRule,
  ruleJson,
  sortedRules,
  firstMatch,
  canUserPush,
  isMergeWhitelisted,
  isOfficialReviewer,
  verifyContentsWrite,
  preReceiveBranch,
  hookStderr,
};
