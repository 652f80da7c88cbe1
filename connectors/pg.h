/*
 * pg.h - the PostgreSQL connector as one include, for the callers that
 * used it before it was split into connectors/pg/.
 *
 *   pg/pg_uri.h     URIs: pg_is_uri, parsing, pg_redact (pure)
 *   pg/pg_conn.h    connections with the session settings, the checked
 *                   exec helper (pgc_*), pgstore_connect, pg_errtext
 *   pg/pg_source.h  a table or query as a source: pgsrc_open
 *   pg/pg_store.h   the result store: pgstore_publish, pgstore_migrate
 *
 * New code includes the one it needs.  This header goes once its
 * callers have moved.
 */
#ifndef HH_PG_H
#define HH_PG_H

#include "connectors/pg/pg_conn.h"
#include "connectors/pg/pg_source.h"
#include "connectors/pg/pg_store.h"
#include "connectors/pg/pg_uri.h"

#endif
