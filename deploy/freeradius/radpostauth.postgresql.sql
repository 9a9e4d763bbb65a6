-- madoguchi: FreeRADIUS's authentication log in the portal's database (PostgreSQL).
-- Written by mods-available/madoguchi_sql (post-auth): who tried, the answer, when.
-- Unlike the stock table there is no "pass" column: no password is ever kept.
CREATE TABLE IF NOT EXISTS radpostauth (
	id bigserial PRIMARY KEY,
	username text NOT NULL,
	reply text NOT NULL,
	authdate timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS radpostauth_username_idx ON radpostauth (username);
CREATE INDEX IF NOT EXISTS radpostauth_authdate_idx ON radpostauth (authdate);
