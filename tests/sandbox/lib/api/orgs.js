'use strict';
// Organisations: GET /orgs/{org} (routers/api/v1/org/org.go Get, convert.ToOrganization).
// Members and their teams are seeded (`orgs:` in the seed); what they give on the organisation's
// repositories is in lib/auth.js userPermission.

const { ApiError } = require('./common');

// services/convert/convert.go @v1.25.5 ToOrganization
function orgJson(sb, org, signed) {
  return {
    id: org.id,
    avatar_url: `${sb.url}/avatars/${org.id}`,
    name: org.name,
    username: org.name,
    full_name: org.fullName || '',
    // routers/api/v1/org/org.go @v1.25.5 Get: "Don't show Mail, when User is not logged in"
    email: signed ? org.email : '',
    description: org.description || '',
    website: org.website || '',
    location: org.location || '',
    visibility: 'public',
    repo_admin_change_team_access: false,
  };
}

async function orgGet(ctx) {
  const { sb, params, auth } = ctx;
  const org = sb.userByName(params.org);
  if (!org || !org.isOrg) {
    // routers/api/v1/api.go @v1.25.5 orgAssignment: APIErrorNotFound("GetOrgByName", err)
    throw new ApiError(404, 'GetOrgByName', { notFoundMessage: true, errors: [`org does not exist [id: 0, name: ${params.org}]`] });
  }
  return { status: 200, body: orgJson(sb, org, !!(auth && auth.user)) };
}

// no reqToken (a public organisation is readable anonymously); tokens need the organization scope
// (tokenRequiresScopes(AccessTokenScopeCategoryOrganization), api.go @v1.25.5 and Forgejo @v12.0.4 L1622)
const routes = [{ operationId: 'orgGet', access: 'anyone', scope: 'organization', handler: orgGet }];

module.exports = { routes, orgJson };
