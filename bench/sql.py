"""The raw-SQL baselines, written out by hand: what the API costs is measured against these.

They mirror the statements of app/opt_outs/repository.py and app/audiences/repository.py (MSISDN,
filtered), kept as copies on purpose: the app may change its SQL, and the answers are compared."""

CHECK = """
SELECT token, since, reason FROM opt_out_states
WHERE list_id = $1 AND channel = $2 AND token = ANY($3::text[]) AND opted_out
"""

# $1 organization, $2 account, $3 list, $4 channel, $5 groups, $6 bypass groups, $7 after, $8 limit
AUDIENCE_PAGE = """
SELECT candidate.token, candidate.contact_id, state.opted_out IS NOT NULL AS via_bypass
FROM (
    SELECT DISTINCT ON (contact.msisdn) contact.msisdn AS token, contact.id AS contact_id
    FROM contacts AS contact
    WHERE contact.organization_id = $1 AND contact.account_id = $2
      AND contact.msisdn IS NOT NULL AND contact.msisdn > $7
      AND EXISTS (SELECT 1 FROM group_members AS member
                  WHERE member.contact_id = contact.id AND member.group_id = ANY($5::uuid[]))
    ORDER BY contact.msisdn, contact.id
) AS candidate
LEFT JOIN LATERAL (
    SELECT true AS opted_out FROM opt_out_states AS state
    WHERE state.list_id = $3 AND state.channel = $4 AND state.token = candidate.token AND state.opted_out
    LIMIT 1
) AS state ON true
LEFT JOIN LATERAL (
    SELECT true AS reachable FROM contacts AS other JOIN group_members AS member ON member.contact_id = other.id
    WHERE state.opted_out AND other.organization_id = $1 AND other.account_id = $2
      AND other.msisdn = candidate.token AND member.group_id = ANY($6::uuid[])
    LIMIT 1
) AS bypass ON true
WHERE state.opted_out IS NULL OR bypass.reachable
ORDER BY candidate.token LIMIT $8
"""

# $1 organization, $2 account, $3 list, $4 channel, $5 groups, $6 bypass groups, $7 filtered
AUDIENCE_COUNTS = """
WITH member_tokens AS (
    SELECT contact.msisdn AS token, bool_or(member.group_id = ANY($6::uuid[])) AS bypass
    FROM group_members AS member JOIN contacts AS contact ON contact.id = member.contact_id
    WHERE member.organization_id = $1 AND member.group_id = ANY($5::uuid[])
      AND contact.account_id = $2 AND contact.msisdn IS NOT NULL
    GROUP BY contact.msisdn
)
SELECT count(*) FILTER (WHERE state.token IS NULL OR member_tokens.bypass) AS total,
       count(*) FILTER (WHERE state.token IS NOT NULL AND NOT member_tokens.bypass) AS suppressed
FROM member_tokens
LEFT JOIN opt_out_states AS state
       ON state.list_id = $3 AND state.channel = $4 AND state.token = member_tokens.token
      AND state.opted_out AND $7
"""

# $1 organization, $2 list, $3 account, $4 token, $5 channels, $6 API key. One statement, so the
# state and its history row commit together, as the API's write does.
OPT_OUT = """
WITH changed AS (
    INSERT INTO opt_out_states AS state (organization_id, list_id, channel, token, token_type, opted_out, since, reason)
    SELECT $1, $2, channel, $4, 'MSISDN', true, now(), NULL
    FROM unnest($5::text[]) AS channel
    ON CONFLICT (list_id, channel, token)
    DO UPDATE SET opted_out = true, since = excluded.since, reason = excluded.reason
    WHERE NOT state.opted_out
    RETURNING state.channel
)
INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action,
                            source, reason, api_key_id)
SELECT $1, $2, $3, 'ORGANIZATION', $4, 'MSISDN', changed.channel, 'OPT_OUT', 'API', NULL, $6
FROM changed ORDER BY changed.channel
RETURNING id, organization_id, list_id, account_id, scope, token, token_type, channel, action, source, reason,
          api_key_id, occurred_at
"""

WRITTEN = """
SELECT (SELECT count(*) FROM opt_out_states
        WHERE list_id = $1 AND channel = 'SMS' AND token = ANY($2::text[]) AND opted_out) AS states,
       (SELECT count(*) FROM opt_out_events
        WHERE list_id = $1 AND channel = 'SMS' AND action = 'OPT_OUT' AND token = ANY($2::text[])) AS events
"""
