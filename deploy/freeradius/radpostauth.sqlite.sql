-- madoguchi: FreeRADIUS's authentication log in the portal's database (SQLite, demo only).
-- Written by mods-available/madoguchi_sql (post-auth): who tried, the answer, when.
-- Unlike the stock table there is no "pass" column: no password is ever kept.
CREATE TABLE IF NOT EXISTS radpostauth (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	username varchar(253) NOT NULL,
	reply varchar(32) NOT NULL,
	authdate timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS radpostauth_username ON radpostauth (username);
CREATE INDEX IF NOT EXISTS radpostauth_authdate ON radpostauth (authdate);
