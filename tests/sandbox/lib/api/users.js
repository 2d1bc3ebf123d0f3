'use strict';
// Users: the api.User view (convert.ToUser) and GET /user.

const { ZERO_TIME } = require('./common');

function userJson(sb, u) {
  if (!u) return null;
  return {
    id: u.id,
    login: u.name,
    login_name: '',
    source_id: 0,
    full_name: u.fullName || '',
    email: u.email,
    avatar_url: `${sb.url}/avatars/${u.id}`,
    html_url: `${sb.url}/${u.name}`,
    language: '',
    is_admin: false,
    last_login: ZERO_TIME,
    created: u.created,
    restricted: false,
    active: true,
    prohibit_login: false,
    location: '',
    website: '',
    description: '',
    visibility: 'public',
    followers_count: 0,
    following_count: 0,
    starred_repos_count: 0,
    username: u.name,
  };
}

const userGetCurrent = async ({ sb, auth }) => ({ status: 200, body: userJson(sb, auth.user) });

const routes = [{ operationId: 'userGetCurrent', access: 'signed', scope: 'user', handler: userGetCurrent }];

module.exports = { routes, userJson };
