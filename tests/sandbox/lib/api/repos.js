'use strict';
// Repositories: the api.Repository view (convert.ToRepo) and GET /repos/{owner}/{repo}.

const { ZERO_TIME } = require('./common');
const { userJson } = require('./users');

// `perm`: a Perm (lib/auth.js), an access level name, or undefined (no `permissions`).
// services/convert/repository.go @v1.26.4 innerToRepo: admin from the overall access mode,
// push/pull from the code unit's; the owner object is the owning user or organisation.
function repoJson(sb, repo, perm) {
  const owner = sb.userByName(repo.owner);
  let perms;
  if (perm && typeof perm === 'object') perms = { admin: perm.isAdmin, push: perm.canWrite('code'), pull: perm.canRead('code') };
  else if (perm) perms = { admin: perm === 'admin' || perm === 'owner', push: ['write', 'admin', 'owner'].includes(perm), pull: perm !== 'none' };
  const j = {
    id: repo.id,
    owner: userJson(sb, owner),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    description: repo.description || '',
    empty: !!repo.empty,
    private: !!repo.private,
    fork: false,
    template: false,
    mirror: false,
    size: 0,
    language: '',
    languages_url: `${sb.api}/repos/${repo.owner}/${repo.name}/languages`,
    html_url: `${sb.url}/${repo.owner}/${repo.name}`,
    url: `${sb.api}/repos/${repo.owner}/${repo.name}`,
    link: '',
    ssh_url: `ssh://git@127.0.0.1/${repo.owner}/${repo.name}.git`,
    clone_url: `${sb.url}/${repo.owner}/${repo.name}.git`,
    original_url: '',
    website: '',
    stars_count: 0,
    forks_count: 0,
    watchers_count: 1,
    // NumOpenIssues / NumOpenPulls (issues and pull requests counted apart)
    open_issues_count: (repo.issues || []).filter((i) => !i.isPull && !i.isClosed).length,
    open_pr_counter: (repo.issues || []).filter((i) => i.isPull && !i.isClosed).length,
    release_counter: 0,
    default_branch: repo.defaultBranch,
    archived: false,
    created_at: repo.created,
    updated_at: repo.updated || repo.created,
    archived_at: '1970-01-01T00:00:00Z',
    permissions: perms,
    has_issues: true,
    internal_tracker: { enable_time_tracker: true, allow_only_contributors_to_track_time: true, enable_issue_dependencies: true },
    has_wiki: true,
    has_pull_requests: true,
    has_projects: true,
    has_releases: true,
    has_packages: true,
    has_actions: true,
    ignore_whitespace_conflicts: false,
    allow_merge_commits: true,
    allow_rebase: true,
    allow_rebase_explicit: true,
    allow_squash_merge: true,
    allow_fast_forward_only_merge: true,
    allow_rebase_update: true,
    default_delete_branch_after_merge: false,
    default_merge_style: 'merge',
    default_allow_maintainer_edit: false,
    avatar_url: '',
    internal: false,
    mirror_interval: '',
    object_format_name: 'sha1',
    mirror_updated: ZERO_TIME,
    repo_transfer: null,
    topics: [],
  };
  if (sb.flavor.kind === 'gitea') {
    Object.assign(j, { has_code: true, projects_mode: 'all', licenses: [], branch_count: repo.branchCount || 1, allow_manual_merge: false, autodetect_manual_merge: false, default_target_branch: repo.defaultBranch });
  } else {
    Object.assign(j, { has_wiki_contents: false, globally_editable_wiki: false, wiki_branch: 'main', default_update_style: 'merge', wiki_clone_url: `${sb.url}/${repo.owner}/${repo.name}.wiki.git`, wiki_ssh_url: '' });
  }
  if (!perms) delete j.permissions;
  return j;
}

// routers/api/v1/repo/repo.go Get: convert.ToRepo(ctx, repo, ctx.Repo.Permission), anonymous callers included
const repoGet = async ({ sb, repo, perm }) => ({ status: 200, body: repoJson(sb, repo, perm) });

const routes = [{ operationId: 'repoGet', access: 'reader', handler: repoGet }];

module.exports = { routes, repoJson };
