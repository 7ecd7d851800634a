--
-- PostgreSQL database dump
--

\restrict Clyf35zcNkUhOEm6n95PrEaaoKi3tadwdghgZ9Eb8xjsc3bPb1V3bge4SqmV0dP

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: sample; Type: DATABASE; Schema: -; Owner: postgres
--

CREATE DATABASE sample WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';


ALTER DATABASE sample OWNER TO postgres;

\unrestrict Clyf35zcNkUhOEm6n95PrEaaoKi3tadwdghgZ9Eb8xjsc3bPb1V3bge4SqmV0dP
\connect sample
\restrict Clyf35zcNkUhOEm6n95PrEaaoKi3tadwdghgZ9Eb8xjsc3bPb1V3bge4SqmV0dP

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: app; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA app;


ALTER SCHEMA app OWNER TO postgres;

--
-- Name: email; Type: DOMAIN; Schema: app; Owner: postgres
--

CREATE DOMAIN app.email AS text
	CONSTRAINT email_check CHECK ((VALUE ~ '^[^@]+@[^@]+$'::text));


ALTER DOMAIN app.email OWNER TO postgres;

--
-- Name: mood; Type: TYPE; Schema: app; Owner: postgres
--

CREATE TYPE app.mood AS ENUM (
    'sad',
    'ok',
    'happy',
    'it''s complicated'
);


ALTER TYPE app.mood OWNER TO postgres;

--
-- Name: positive_int; Type: DOMAIN; Schema: app; Owner: postgres
--

CREATE DOMAIN app.positive_int AS integer
	CONSTRAINT positive_int_check CHECK ((VALUE > 0));


ALTER DOMAIN app.positive_int OWNER TO postgres;

--
-- Name: audit(); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app.audit() RETURNS trigger
    LANGUAGE plpgsql
    AS $_$
BEGIN
  -- a comment with a ; semicolon and 'quote
  INSERT INTO app.audit_log (tbl, op) VALUES (TG_TABLE_NAME, TG_OP);
  PERFORM $q$ don't; stop $q$;
  RETURN NEW;
END;
$_$;


ALTER FUNCTION app.audit() OWNER TO postgres;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.audit_log (
    id integer NOT NULL,
    tbl text NOT NULL,
    op text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL
);


ALTER TABLE app.audit_log OWNER TO postgres;

--
-- Name: invoices; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.invoices (
    no integer NOT NULL,
    customer_id bigint NOT NULL,
    amount numeric(12,2) NOT NULL,
    qty app.positive_int DEFAULT 1 NOT NULL,
    "Weird ""Col""; name" text,
    CONSTRAINT invoices_amount_check CHECK ((amount >= (0)::numeric))
);


ALTER TABLE app.invoices OWNER TO postgres;

--
-- Name: bump(integer); Type: PROCEDURE; Schema: app; Owner: postgres
--

CREATE PROCEDURE app.bump(IN n integer)
    LANGUAGE sql
    BEGIN ATOMIC
 UPDATE app.invoices SET qty = ((invoices.qty)::integer + bump.n)
   WHERE ((invoices.qty)::integer < 10);
 INSERT INTO app.audit_log (tbl, op)
   VALUES ('invoices'::text,
         CASE
             WHEN (bump.n > 1) THEN 'bump-many'::text
             ELSE 'bump'::text
         END);
END;


ALTER PROCEDURE app.bump(IN n integer) OWNER TO postgres;

--
-- Name: classify(numeric); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app.classify(amount numeric) RETURNS text
    LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC
 SELECT
         CASE
             WHEN (amount > (100)::numeric) THEN 'big'::text
             WHEN (amount > (10)::numeric) THEN 'medium'::text
             ELSE 'small'::text
         END AS "case";
END;


ALTER FUNCTION app.classify(amount numeric) OWNER TO postgres;

--
-- Name: greeting(text); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app.greeting(who text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
DECLARE
  msg text := E'Hello,\t';
BEGIN
  IF who IS NULL THEN
    RETURN 'nobody; really';
  END IF;
  RETURN msg || who || '!';
END
$$;


ALTER FUNCTION app.greeting(who text) OWNER TO postgres;

--
-- Name: odd$name(integer, integer); Type: FUNCTION; Schema: app; Owner: postgres
--

CREATE FUNCTION app."odd$name"(a integer, b integer) RETURNS integer
    LANGUAGE sql
    RETURN (a + b);


ALTER FUNCTION app."odd$name"(a integer, b integer) OWNER TO postgres;

--
-- Name: archive; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.archive (
    id integer,
    tbl text
);


ALTER TABLE app.archive OWNER TO postgres;

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: app; Owner: postgres
--

CREATE SEQUENCE app.audit_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE app.audit_log_id_seq OWNER TO postgres;

--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: app; Owner: postgres
--

ALTER SEQUENCE app.audit_log_id_seq OWNED BY app.audit_log.id;


--
-- Name: customers; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.customers (
    id bigint NOT NULL,
    name text NOT NULL,
    email app.email,
    mood app.mood DEFAULT 'ok'::app.mood,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    scores integer[],
    profile jsonb,
    note text,
    created_at timestamp with time zone DEFAULT '2024-01-01 00:00:00+00'::timestamp with time zone NOT NULL
);


ALTER TABLE app.customers OWNER TO postgres;

--
-- Name: TABLE customers; Type: COMMENT; Schema: app; Owner: postgres
--

COMMENT ON TABLE app.customers IS 'People; who buy ''things''';


--
-- Name: big_invoices; Type: VIEW; Schema: app; Owner: postgres
--

CREATE VIEW app.big_invoices AS
 SELECT i.no,
    c.name,
    app.classify(i.amount) AS size,
    i.amount
   FROM (app.invoices i
     JOIN app.customers c ON ((c.id = i.customer_id)))
  WHERE (i.amount > (10)::numeric);


ALTER TABLE app.big_invoices OWNER TO postgres;

--
-- Name: customers_id_seq; Type: SEQUENCE; Schema: app; Owner: postgres
--

CREATE SEQUENCE app.customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE app.customers_id_seq OWNER TO postgres;

--
-- Name: customers_id_seq; Type: SEQUENCE OWNED BY; Schema: app; Owner: postgres
--

ALTER SEQUENCE app.customers_id_seq OWNED BY app.customers.id;


--
-- Name: empty_table; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.empty_table (
    id integer,
    label text
);


ALTER TABLE app.empty_table OWNER TO postgres;

--
-- Name: events; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events (
    id bigint NOT NULL,
    happened_on date NOT NULL,
    customer_id bigint,
    payload jsonb
)
PARTITION BY RANGE (happened_on);


ALTER TABLE app.events OWNER TO postgres;

--
-- Name: events_2024; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events_2024 (
    id bigint NOT NULL,
    happened_on date NOT NULL,
    customer_id bigint,
    payload jsonb
);


ALTER TABLE app.events_2024 OWNER TO postgres;

--
-- Name: events_2025; Type: TABLE; Schema: app; Owner: postgres
--

CREATE TABLE app.events_2025 (
    id bigint NOT NULL,
    happened_on date NOT NULL,
    customer_id bigint,
    payload jsonb
);


ALTER TABLE app.events_2025 OWNER TO postgres;

--
-- Name: invoice_no; Type: SEQUENCE; Schema: app; Owner: postgres
--

CREATE SEQUENCE app.invoice_no
    START WITH 1000
    INCREMENT BY 7
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE app.invoice_no OWNER TO postgres;

--
-- Name: invoice_no; Type: SEQUENCE OWNED BY; Schema: app; Owner: postgres
--

ALTER SEQUENCE app.invoice_no OWNED BY app.invoices.no;


--
-- Name: mood_counts; Type: MATERIALIZED VIEW; Schema: app; Owner: postgres
--

CREATE MATERIALIZED VIEW app.mood_counts AS
 SELECT customers.mood,
    count(*) AS n
   FROM app.customers
  GROUP BY customers.mood
  WITH NO DATA;


ALTER TABLE app.mood_counts OWNER TO postgres;

--
-- Name: events_2024; Type: TABLE ATTACH; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events ATTACH PARTITION app.events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');


--
-- Name: events_2025; Type: TABLE ATTACH; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events ATTACH PARTITION app.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');


--
-- Name: audit_log id; Type: DEFAULT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.audit_log ALTER COLUMN id SET DEFAULT nextval('app.audit_log_id_seq'::regclass);


--
-- Name: customers id; Type: DEFAULT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.customers ALTER COLUMN id SET DEFAULT nextval('app.customers_id_seq'::regclass);


--
-- Name: invoices no; Type: DEFAULT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.invoices ALTER COLUMN no SET DEFAULT nextval('app.invoice_no'::regclass);


--
-- Data for Name: archive; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.archive (id, tbl) FROM stdin;
\.


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.audit_log (id, tbl, op, at) FROM stdin;
1	invoices	INSERT	2026-11-22 20:29:39.097395+00
2	invoices	INSERT	2026-11-22 20:29:39.097395+00
3	invoices	INSERT	2026-11-22 20:29:39.097395+00
\.


--
-- Data for Name: customers; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.customers (id, name, email, mood, tags, scores, profile, note, created_at) FROM stdin;
1	Ann O'Brien	ann@example.com	happy	{vip,"with space","quote\\"d"}	{1,2,3}	{"a": 1, "nested": {"b": [true, null, "x;y"]}}	tab\there\nnewline and back\\slash	2024-01-01 00:00:00+00
2	Björk Guðmundsdóttir	bjork@example.is	it's complicated	{}	\N	{"emoji": "🎵", "quote": "\\"hi\\""}	unicode: 日本語 — ✓	2024-01-01 00:00:00+00
3	Semi;colon	semi@example.com	sad	{a;b}	{}	\N	line1\r\nline2\\.\n\\.	2024-01-01 00:00:00+00
4	Backslash \\ Dot	dot@example.com	ok	{"\\\\.",$$,"--not a comment","/* nor this */"}	{-1}	[]	\\.	2024-01-01 00:00:00+00
5	Null note	null@example.com	\N	{NULL}	\N	null	\N	2024-01-01 00:00:00+00
\.


--
-- Data for Name: empty_table; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.empty_table (id, label) FROM stdin;
\.


--
-- Data for Name: events_2024; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.events_2024 (id, happened_on, customer_id, payload) FROM stdin;
1	2024-03-01	1	{"k": "v"}
3	2024-12-31	3	{"text": "multi\\nline"}
\.


--
-- Data for Name: events_2025; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.events_2025 (id, happened_on, customer_id, payload) FROM stdin;
2	2025-06-30	2	\N
\.


--
-- Data for Name: invoices; Type: TABLE DATA; Schema: app; Owner: postgres
--

COPY app.invoices (no, customer_id, amount, qty, "Weird ""Col""; name") FROM stdin;
1000	1	150.00	2	x
1007	2	12.50	1	a\tb
1014	3	0.00	3	\N
\.


--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: app; Owner: postgres
--

SELECT pg_catalog.setval('app.audit_log_id_seq', 3, true);


--
-- Name: customers_id_seq; Type: SEQUENCE SET; Schema: app; Owner: postgres
--

SELECT pg_catalog.setval('app.customers_id_seq', 5, true);


--
-- Name: invoice_no; Type: SEQUENCE SET; Schema: app; Owner: postgres
--

SELECT pg_catalog.setval('app.invoice_no', 1014, true);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: customers customers_email_key; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.customers
    ADD CONSTRAINT customers_email_key UNIQUE (email);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id, happened_on);


--
-- Name: events_2024 events_2024_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events_2024
    ADD CONSTRAINT events_2024_pkey PRIMARY KEY (id, happened_on);


--
-- Name: events_2025 events_2025_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.events_2025
    ADD CONSTRAINT events_2025_pkey PRIMARY KEY (id, happened_on);


--
-- Name: invoices invoices_pkey; Type: CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (no);


--
-- Name: customers_profile_gin; Type: INDEX; Schema: app; Owner: postgres
--

CREATE INDEX customers_profile_gin ON app.customers USING gin (profile);


--
-- Name: events_2024_pkey; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_pkey ATTACH PARTITION app.events_2024_pkey;


--
-- Name: events_2025_pkey; Type: INDEX ATTACH; Schema: app; Owner: postgres
--

ALTER INDEX app.events_pkey ATTACH PARTITION app.events_2025_pkey;


--
-- Name: invoices archive_invoices; Type: RULE; Schema: app; Owner: postgres
--

CREATE RULE archive_invoices AS
    ON UPDATE TO app.invoices DO ( INSERT INTO app.archive (id, tbl)
  VALUES (old.no, 'invoices'::text);
 INSERT INTO app.archive (id, tbl)
  VALUES (new.no, 'invoices;new'::text);
);


--
-- Name: audit_log log_delete; Type: RULE; Schema: app; Owner: postgres
--

CREATE RULE log_delete AS
    ON DELETE TO app.audit_log DO INSTEAD NOTHING;


--
-- Name: invoices invoices_audit; Type: TRIGGER; Schema: app; Owner: postgres
--

CREATE TRIGGER invoices_audit AFTER INSERT OR UPDATE ON app.invoices FOR EACH ROW EXECUTE FUNCTION app.audit();


--
-- Name: events events_customer_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE app.events
    ADD CONSTRAINT events_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES app.customers(id);


--
-- Name: invoices invoices_customer_id_fkey; Type: FK CONSTRAINT; Schema: app; Owner: postgres
--

ALTER TABLE ONLY app.invoices
    ADD CONSTRAINT invoices_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES app.customers(id);


--
-- Name: mood_counts; Type: MATERIALIZED VIEW DATA; Schema: app; Owner: postgres
--

REFRESH MATERIALIZED VIEW app.mood_counts;


--
-- PostgreSQL database dump complete
--

\unrestrict Clyf35zcNkUhOEm6n95PrEaaoKi3tadwdghgZ9Eb8xjsc3bPb1V3bge4SqmV0dP

