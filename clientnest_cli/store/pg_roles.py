"""PostgreSQL group roles and grants that back ClientNest's roles in team mode.

Applied by `clientnest db roles --apply` (an owner, connected as a login that
owns the tables and may create roles). Each person's login is granted the group
of their ClientNest role:

- ``clientnest_viewer``: reads everything; may add audit rows.
- ``clientnest_editor``: writes content (posts, media, accounts, clients,
  slots, comments, AI logs and jobs, attempts, heartbeats); on ``user`` only the
  AI usage counters (column privileges); never policy; on ``replyrequest`` not
  the decision columns. Approval columns of ``post`` are guarded by a trigger:
  a non-admin can only move a post back to "needs approval" or submit it, and
  when the store's policy requires approval for editors, an editor's change
  to a post's text, hashtags or time sets it back to "needs approval".
- ``clientnest_admin`` (and ``clientnest_owner``, a member of it): everything
  except rewriting the audit log.
- Nobody may UPDATE, DELETE or TRUNCATE audit rows: no grant allows it and a
  trigger refuses it even for the table's owner. Erasing a person rewrites
  their audit rows only through ``clientnest_pseudonymise_audit``, which
  replaces a name by an ``erased-user-…`` pseudonym and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

GROUPS = {
    "viewer": "clientnest_viewer",
    "editor": "clientnest_editor",
    "admin": "clientnest_admin",
    "owner": "clientnest_owner",
}

CONTENT_TABLES = (
    "client",
    "socialaccount",
    "post",
    "postmedia",
    "postmetricssnapshot",
    "accountstatssnapshot",
    "comment",
    "airequestlog",
    "publishattempt",
    "postingslot",
    "daemonheartbeat",
    "aijob",
)
EDITOR_USER_COLUMNS = ("ai_tokens_used", "ai_usage_month")
EDITOR_REPLY_COLUMNS = ("comment_id", "text", "status", "requested_by", "created_at")

_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION clientnest_is_admin() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT pg_has_role(session_user, 'clientnest_admin', 'MEMBER')
      OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)
      OR EXISTS (SELECT 1 FROM pg_tables t WHERE t.tablename = 'post'
                 AND t.schemaname = current_schema() AND t.tableowner = session_user)
$$;
-- next

CREATE OR REPLACE FUNCTION clientnest_audit_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('clientnest.audit_rewrite', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit rows are insert-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
-- next

CREATE OR REPLACE FUNCTION clientnest_pseudonymise_audit(pattern text, pseudonym text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE changed integer;
BEGIN
  IF pseudonym !~ '^erased-user-[0-9a-f]{10}$' THEN
    RAISE EXCEPTION 'not a pseudonym: %', pseudonym USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM set_config('clientnest.audit_rewrite', 'on', true);
  UPDATE auditevent
     SET actor = regexp_replace(actor, pattern, pseudonym, 'gi'),
         details = regexp_replace(details::text, pattern, pseudonym, 'gi')::json
   WHERE actor ~* pattern OR details::text ~* pattern;
  GET DIAGNOSTICS changed = ROW_COUNT;
  PERFORM set_config('clientnest.audit_rewrite', 'off', true);
  RETURN changed;
END $$;
-- next

CREATE OR REPLACE FUNCTION clientnest_post_approval_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE needs boolean;
BEGIN
  IF clientnest_is_admin() THEN
    RETURN NEW;
  END IF;
  needs := EXISTS (SELECT 1 FROM policysetting WHERE key = 'approval.editors' AND value = 'true')
           AND pg_has_role(session_user, 'clientnest_editor', 'MEMBER');
  IF TG_OP = 'INSERT' THEN
    IF NEW.approval_status IN ('approved', 'rejected') OR NEW.approved_by IS NOT NULL
       OR (needs AND NEW.approval_status <> 'required') THEN
      RAISE EXCEPTION 'only admins and owners approve posts'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF (NEW.approval_status IS DISTINCT FROM OLD.approval_status
        AND NEW.approval_status NOT IN ('required', 'pending'))
     OR (NEW.approved_by IS DISTINCT FROM OLD.approved_by AND NEW.approved_by IS NOT NULL)
     OR (NEW.approved_at IS DISTINCT FROM OLD.approved_at AND NEW.approved_at IS NOT NULL)
     OR (NEW.rejection_reason IS DISTINCT FROM OLD.rejection_reason
         AND NEW.rejection_reason <> '') THEN
    RAISE EXCEPTION 'only admins and owners approve or reject posts'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF needs AND OLD.status NOT IN ('published', 'publishing')
     AND (NEW.content IS DISTINCT FROM OLD.content
          OR NEW.hashtags::text IS DISTINCT FROM OLD.hashtags::text
          OR NEW.scheduled_at IS DISTINCT FROM OLD.scheduled_at
          OR NEW.account_id IS DISTINCT FROM OLD.account_id) THEN
    NEW.approval_status := 'required';
    NEW.approved_by := NULL;
    NEW.approved_at := NULL;
  END IF;
  RETURN NEW;
END $$;
-- next

DROP TRIGGER IF EXISTS auditevent_insert_only ON auditevent;
-- next
CREATE TRIGGER auditevent_insert_only BEFORE UPDATE OR DELETE ON auditevent
  FOR EACH ROW EXECUTE FUNCTION clientnest_audit_guard();
-- next
DROP TRIGGER IF EXISTS auditevent_no_truncate ON auditevent;
-- next
CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION clientnest_audit_guard();
-- next
DROP TRIGGER IF EXISTS post_approval_guard ON post;
-- next
CREATE TRIGGER post_approval_guard BEFORE INSERT OR UPDATE ON post
  FOR EACH ROW EXECUTE FUNCTION clientnest_post_approval_guard();
-- next
"""


def _group(name: str) -> str:
    return f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{name}') THEN
    CREATE ROLE {name} NOLOGIN;
  END IF;
END $$"""


def _cols(columns: Iterable[str]) -> str:
    return ", ".join(columns)


def grant_statements() -> list[str]:
    """Group roles, grants and guards for the tables of this schema (idempotent)."""
    viewer, editor, admin, owner = (GROUPS[r] for r in ("viewer", "editor", "admin", "owner"))
    every = ", ".join(GROUPS.values())
    content = ", ".join(CONTENT_TABLES)
    groups = [_group(g) for g in GROUPS.values()]
    statements = [
        f"GRANT {editor} TO {admin}",
        f"GRANT {viewer} TO {editor}",
        f"GRANT {admin} TO {owner}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {every}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, {every}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {viewer}",
        f"GRANT INSERT ON auditevent TO {viewer}",
        f"GRANT USAGE ON SEQUENCE auditevent_id_seq TO {viewer}",
        f"GRANT INSERT, UPDATE, DELETE ON {content} TO {editor}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {editor}",
        f'GRANT UPDATE ({_cols(EDITOR_USER_COLUMNS)}) ON "user" TO {editor}',
        f"GRANT INSERT ({_cols(EDITOR_REPLY_COLUMNS)}) ON replyrequest TO {editor}",
        f"GRANT DELETE ON replyrequest TO {editor}",
        f'GRANT INSERT, UPDATE, DELETE ON "user", policysetting, replyrequest TO {admin}',
        "REVOKE ALL ON FUNCTION clientnest_pseudonymise_audit(text, text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION clientnest_pseudonymise_audit(text, text) TO {admin}",
    ]
    functions = [part.strip() for part in _FUNCTIONS.split("-- next") if part.strip()]
    return [*groups, *functions, *statements]


def member_statements(logins: dict[str, str]) -> list[str]:
    """Each mapped login (login -> ClientNest role) in exactly its role's group."""
    statements = []
    for login, role in sorted(logins.items()):
        quoted = '"' + login.replace('"', '""') + '"'
        for other in GROUPS.values():
            if other != GROUPS[role]:
                statements.append(f"REVOKE {other} FROM {quoted}")
        statements.append(f"GRANT {GROUPS[role]} TO {quoted}")
    return statements
