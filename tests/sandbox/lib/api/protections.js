'use strict';
// Branch protection rules: GET/POST /branch_protections, GET/PATCH/DELETE /branch_protections/{name},
// and Gitea's POST /branch_protections/priority (routers/api/v1/repo/branch.go; the group is
// reqToken() + reqAdmin() in routers/api/v1/api.go, all five tags). The rule model and its checks
// are in lib/protection.js.

const { ApiError } = require('./common');
const protection = require('../protection');

// The {name} of the rule. Gitea 1.26 routes `/branch_protections/*` (api.go @v1.26.4 L1292), so a
// name may contain unescaped slashes; the other releases route `/{name}`: one path segment,
// `%2F`-escaped (a raw slash finds no route: 404).
function ruleOr404(ctx) {
  const { sb, repo, pathname } = ctx;
  const raw = pathname.slice(pathname.indexOf('/branch_protections/') + '/branch_protections/'.length);
  if (raw.includes('/') && !sb.flavor.protectionNameSlashes) throw new ApiError(404, '', { notFound: true, hidden: 'no route: a rule name with an unescaped slash' });
  const rule = ctx.repo.protections.find((r) => r.ruleName === ctx.params.name);
  if (!rule) throw new ApiError(404, '', { notFound: true });
  return rule;
}

const list = ({ sb, repo }) => ({ status: 200, body: protection.sortedRules(sb.flavor, repo).map((r) => protection.ruleJson(sb, repo, r)) });

function create(ctx) {
  const rule = protection.createRule(ctx.sb, ctx.repo, ctx.body);
  return { status: 201, body: protection.ruleJson(ctx.sb, ctx.repo, rule) };
}

const get = (ctx) => ({ status: 200, body: protection.ruleJson(ctx.sb, ctx.repo, ruleOr404(ctx)) });

function edit(ctx) {
  const rule = protection.editRule(ctx.sb, ctx.repo, ruleOr404(ctx), ctx.body);
  return { status: 200, body: protection.ruleJson(ctx.sb, ctx.repo, rule) };
}

function remove(ctx) {
  const rule = ruleOr404(ctx);
  ctx.repo.protections = ctx.repo.protections.filter((r) => r !== rule);
  return { status: 204 };
}

// models/git/protected_branch.go UpdateProtectBranchPriorities: the listed rules get 1, 2, 3...
function priorities(ctx) {
  const ids = (ctx.body && ctx.body.ids) || [];
  ids.forEach((id, i) => {
    const r = ctx.repo.protections.find((x) => x.id === id);
    if (r) r.priority = i + 1;
  });
  return { status: 204 };
}

const routes = [
  { operationId: 'repoListBranchProtection', access: 'admin', handler: list },
  { operationId: 'repoCreateBranchProtection', access: 'admin', handler: create },
  { operationId: 'repoGetBranchProtection', access: 'admin', handler: get },
  { operationId: 'repoEditBranchProtection', access: 'admin', handler: edit },
  { operationId: 'repoDeleteBranchProtection', access: 'admin', handler: remove },
  { operationId: 'repoUpdateBranchProtectionPriories', access: 'admin', handler: priorities },
];

module.exports = { routes };
