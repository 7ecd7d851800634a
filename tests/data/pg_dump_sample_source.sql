-- Source of tests/data/pg_dump_sample.sql (used by the statement splitter tests).
-- Regenerate: on a scratch PostgreSQL 15 cluster, `CREATE DATABASE sample`, run this file with
-- `psql -d sample -f`, then `pg_dump --create sample > tests/data/pg_dump_sample.sql`.

CREATE SCHEMA app;
SET search_path = app, public;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy', 'it''s complicated');
CREATE DOMAIN app.email AS text CHECK (VALUE ~ '^[^@]+@[^@]+$');
CREATE DOMAIN app.positive_int AS integer CHECK (VALUE > 0);
CREATE SEQUENCE app.invoice_no START 1000 INCREMENT 7;

CREATE TABLE app.customers (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email app.email UNIQUE,
  mood app.mood DEFAULT 'ok',
  tags text[] NOT NULL DEFAULT '{}',
  scores integer[],
  profile jsonb,
  note text,
  created_at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00'
);

CREATE TABLE app.events (
  id bigint NOT NULL,
  happened_on date NOT NULL,
  customer_id bigint REFERENCES app.customers(id),
  payload jsonb,
  PRIMARY KEY (id, happened_on)
) PARTITION BY RANGE (happened_on);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');

CREATE TABLE app.invoices (
  no integer PRIMARY KEY DEFAULT nextval('app.invoice_no'),
  customer_id bigint NOT NULL REFERENCES app.customers(id),
  amount numeric(12,2) NOT NULL CHECK (amount >= 0),
  qty app.positive_int NOT NULL DEFAULT 1,
  "Weird ""Col""; name" text
);
ALTER SEQUENCE app.invoice_no OWNED BY app.invoices.no;

CREATE TABLE app.audit_log (
  id serial PRIMARY KEY,
  tbl text NOT NULL,
  op text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);

-- plpgsql function with $$ body containing semicolons, quotes and a nested dollar quote
CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a comment with a ; semicolon and 'quote
  INSERT INTO app.audit_log (tbl, op) VALUES (TG_TABLE_NAME, TG_OP);
  PERFORM $q$ don't; stop $q$;
  RETURN NEW;
END;
$$;

CREATE FUNCTION app.greeting(who text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $body$
DECLARE
  msg text := E'Hello,\t';
BEGIN
  IF who IS NULL THEN
    RETURN 'nobody; really';
  END IF;
  RETURN msg || who || '!';
END
$body$;

-- SQL-standard function body
CREATE FUNCTION app.classify(amount numeric) RETURNS text
  LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT CASE WHEN amount > 100 THEN 'big' WHEN amount > 10 THEN 'medium' ELSE 'small' END;
END;

CREATE PROCEDURE app.bump(n integer)
  LANGUAGE sql
BEGIN ATOMIC
  UPDATE app.invoices SET qty = qty + n WHERE qty < 10;
  INSERT INTO app.audit_log (tbl, op) VALUES ('invoices', CASE WHEN n > 1 THEN 'bump-many' ELSE 'bump' END);
END;

CREATE TRIGGER invoices_audit AFTER INSERT OR UPDATE ON app.invoices
  FOR EACH ROW EXECUTE FUNCTION app.audit();

CREATE VIEW app.big_invoices AS
  SELECT i.no, c.name, app.classify(i.amount) AS size, i.amount
  FROM app.invoices i JOIN app.customers c ON c.id = i.customer_id
  WHERE i.amount > 10;

CREATE MATERIALIZED VIEW app.mood_counts AS SELECT mood, count(*) AS n FROM app.customers GROUP BY mood;

CREATE RULE log_delete AS ON DELETE TO app.audit_log DO INSTEAD NOTHING;

COMMENT ON TABLE app.customers IS 'People; who buy ''things''';

INSERT INTO app.customers (name, email, mood, tags, scores, profile, note) VALUES
 ('Ann O''Brien', 'ann@example.com', 'happy', '{vip,"with space","quote\"d"}', '{1,2,3}', '{"a": 1, "nested": {"b": [true, null, "x;y"]}}', E'tab\there\nnewline and back\\slash'),
 ('Björk Guðmundsdóttir', 'bjork@example.is', 'it''s complicated', '{}', NULL, '{"emoji": "🎵", "quote": "\"hi\""}', 'unicode: 日本語 — ✓'),
 ('Semi;colon', 'semi@example.com', 'sad', '{"a;b"}', '{}', NULL, E'line1\r\nline2\\.\n\\.'),
 ('Backslash \ Dot', 'dot@example.com', 'ok', ARRAY['\.', '$$', '--not a comment', '/* nor this */'], ARRAY[-1], '[]', E'\\.'),
 ('Null note', 'null@example.com', NULL, '{NULL}', NULL, 'null', NULL);

INSERT INTO app.invoices (customer_id, amount, qty, "Weird ""Col""; name") VALUES
 (1, 150.00, 2, 'x'), (2, 12.50, 1, E'a\tb'), (3, 0, 3, NULL);

INSERT INTO app.events VALUES
 (1, '2024-03-01', 1, '{"k": "v"}'), (2, '2025-06-30', 2, NULL), (3, '2024-12-31', 3, '{"text": "multi\nline"}');

REFRESH MATERIALIZED VIEW app.mood_counts;
CREATE INDEX customers_profile_gin ON app.customers USING gin (profile);

CREATE TABLE app.empty_table (id int, label text);
CREATE TABLE app.archive (id int, tbl text);
-- a multi-action rule: its actions are separated by semicolons inside parentheses
CREATE RULE archive_invoices AS ON UPDATE TO app.invoices DO ALSO (
  INSERT INTO app.archive VALUES (OLD.no, 'invoices');
  INSERT INTO app.archive VALUES (NEW.no, 'invoices;new')
);
CREATE FUNCTION app."odd$name"(a int, b int) RETURNS int LANGUAGE sql RETURN a + b;
