//! Throwaway PostgreSQL databases for the tests. The cluster comes from the test command:
//! `scripts/test` runs the suite under `pg_virtualenv`, which starts a temporary cluster and sets
//! PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, and deletes the cluster afterwards. Each test
//! makes its own database in it, so tests run in parallel without seeing each other.

use tokio_postgres::NoTls;

/// The connection string of the cluster the environment names.
fn cluster_url(dbname: &str) -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(host) = var("PGHOST") else {
        panic!(
            "no PostgreSQL: PGHOST is not set. Run the tests with scripts/test, or wrap cargo in \
             `pg_virtualenv` (from postgresql-common), which starts a throwaway cluster"
        );
    };
    let mut url = format!("host={host} dbname={dbname}");
    for (key, name) in [("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")] {
        if let Some(value) = var(name) {
            url.push_str(&format!(" {key}={value}"));
        }
    }
    url
}

/// Creates an empty database with a unique name and returns its connection string.
pub async fn fresh_database() -> String {
    let admin_db = std::env::var("PGDATABASE").unwrap_or_else(|_| "postgres".into());
    let (client, connection) =
        tokio_postgres::connect(&cluster_url(&admin_db), NoTls).await.expect("connect to the test cluster");
    let driver = tokio::spawn(connection);
    let name = format!("fieldkit_{}", uuid::Uuid::now_v7().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
    drop(client);
    let _ = driver.await;
    cluster_url(&name)
}
