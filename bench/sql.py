"""The raw-SQL baselines, written out by hand: what the API costs is measured against these.

They mirror the statements of app/opt_outs/repository.py and app/audiences/repository.py (MSISDN,
filtered), kept as copies on purpose: the app may change its SQL, and the answers are compared."""

CHECK = """
SELECT token, since, reason FROM opt_out_states
WHERE list_id = $1 AND channel = $2 AND token = ANY($3::text[]) AND opted_out
"""

# $1 organization, $2 list, $3 channel, $4 groups, $5 bypass groups, $6 after, $7 limit. One pass over
# each group's tokens in order (a window of a quarter more than the page, for the opted-out ones).
AUDIENCE_PAGE = """
WITH candidate AS (
    SELECT DISTINCT ON (member.token) member.token, member.contact_id
    FROM unnest($4::uuid[]) AS requested (group_id)
    CROSS JOIN LATERAL (
        SELECT m.msisdn AS token, m.contact_id FROM group_members AS m
        WHERE m.group_id = requested.group_id AND m.organization_id = $1 AND m.msisdn > $6
        ORDER BY m.msisdn, m.contact_id LIMIT $7 + $7 / 4 + 16
    ) AS member
    ORDER BY member.token, member.contact_id
)
SELECT candidate.token, candidate.contact_id, state.opted_out IS NOT NULL AS via_bypass
FROM candidate
LEFT JOIN LATERAL (
    SELECT true AS opted_out FROM opt_out_states AS state
    WHERE state.list_id = $2 AND state.channel = $3 AND state.token = candidate.token AND state.opted_out
    LIMIT 1
) AS state ON true
LEFT JOIN LATERAL (
    SELECT true AS reachable FROM group_members AS m
    WHERE state.opted_out AND m.group_id = ANY($5::uuid[]) AND m.msisdn = candidate.token
    LIMIT 1
) AS bypass ON true
WHERE state.opted_out IS NULL OR bypass.reachable
ORDER BY candidate.token LIMIT $7
"""

# $1 organization, $2 list, $3 channel, $4 groups, $5 bypass groups, $6 filtered
AUDIENCE_COUNTS = """
WITH member_tokens AS (
    SELECT member.msisdn AS token, bool_or(member.group_id = ANY($5::uuid[])) AS bypass
    FROM group_members AS member
    WHERE member.organization_id = $1 AND member.group_id = ANY($4::uuid[]) AND member.msisdn IS NOT NULL
    GROUP BY member.msisdn
)
SELECT count(*) FILTER (WHERE state.token IS NULL OR member_tokens.bypass) AS total,
       count(*) FILTER (WHERE state.token IS NOT NULL AND NOT member_tokens.bypass) AS suppressed
FROM member_tokens
LEFT JOIN opt_out_states AS state
       ON state.list_id = $2 AND state.channel = $3 AND state.token = member_tokens.token
      AND state.opted_out AND $6
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
