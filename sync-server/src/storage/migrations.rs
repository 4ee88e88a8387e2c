//! Numbered schema migrations, one `.sql` file each under `sync-server/migrations/<backend>/`,
//! compiled in. File `NNNN_name.sql` takes the schema to version `NNNN`; each backend applies
//! them in order, one transaction per migration (SQLite) or all pending in one (PostgreSQL).
//!
//! Architecture invariant: migrations are append-only. A migration that has shipped is never
//! edited, renumbered or removed — add the next one. `migrations/<backend>/SHA256SUMS` lists
//! the hash of every shipped file, and a test fails if one of them changed.

/// One migration: the schema version it leads to, its file name and its SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub version: usize,
    pub file: &'static str,
    pub sql: &'static str,
}

/// `migrations!("sqlite", 1 => "0001_sync.sql", …)`: the files of `migrations/<backend>/`,
/// included at build time.
macro_rules! migrations {
    ($backend:literal, $($version:literal => $file:literal),+ $(,)?) => {
        &[$(Migration {
            version: $version,
            file: $file,
            sql: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/", $backend, "/", $file)),
        }),+]
    };
}

/// SQLite's migrations (`PRAGMA user_version` is the version reached).
pub const SQLITE: &[Migration] = migrations!("sqlite",
    1 => "0001_sync.sql",
    2 => "0002_review_console.sql",
    3 => "0003_outreach_and_feedback.sql",
);

/// PostgreSQL's migrations (`schema_migrations` holds the versions applied).
pub const POSTGRES: &[Migration] = migrations!("postgres",
    1 => "0001_sync.sql",
    2 => "0002_catalogues.sql",
    3 => "0003_review_console.sql",
    4 => "0004_outreach_and_feedback.sql",
);

#[cfg(test)]
mod tests {
    use super::{Migration, POSTGRES, SQLITE};
    use sha2::{Digest, Sha256};
    use std::path::PathBuf;

    fn directory(backend: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend)
    }

    /// The `.sql` files of a backend's directory, by name.
    fn files(backend: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(directory(backend))
            .expect("migrations directory")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        names.sort();
        names
    }

    /// `(file, sha256)` from the committed manifest, in its order.
    fn manifest(backend: &str) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(directory(backend).join("SHA256SUMS")).expect("SHA256SUMS");
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let (hash, file) = line.split_once("  ").expect("`<sha256>  <file>` lines");
                (file.trim().to_string(), hash.trim().to_string())
            })
            .collect()
    }

    /// What the manifest and the directory say, against the rules; every breach, in words.
    fn breaches(
        manifest: &[(String, String)],
        files: &[(String, String)],
        compiled: &[(usize, String)],
    ) -> Vec<String> {
        let mut breaches = Vec::new();
        for (index, (file, hash)) in manifest.iter().enumerate() {
            match files.iter().position(|(f, _)| f == file) {
                None => breaches.push(format!("{file} shipped and was removed or renamed")),
                Some(at) if at != index => breaches.push(format!("{file} shipped as number {} and moved", index + 1)),
                Some(at) if files[at].1 != *hash => breaches.push(format!("{file} shipped and was edited")),
                Some(_) => {}
            }
        }
        for (index, (file, _)) in files.iter().enumerate() {
            let expected = format!("{:04}_", index + 1);
            if !file.starts_with(&expected) {
                breaches.push(format!("{file} should be numbered {expected}… (one after another, from 0001)"));
            }
            match compiled.get(index) {
                Some((version, name)) if *version == index + 1 && name == file => {}
                _ => breaches.push(format!("{file} is not compiled in as migration {}", index + 1)),
            }
        }
        if compiled.len() > files.len() {
            breaches.push("a migration is compiled in without its file".into());
        }
        breaches
    }

    fn check(backend: &str, compiled: &[Migration]) {
        let on_disk: Vec<(String, String)> = files(backend)
            .into_iter()
            .map(|file| {
                let bytes = std::fs::read(directory(backend).join(&file)).expect("read migration");
                (file, hex::encode(Sha256::digest(&bytes)))
            })
            .collect();
        for migration in compiled {
            let (_, hash) = on_disk.iter().find(|(f, _)| f == migration.file).expect("compiled file on disk");
            assert_eq!(hex::encode(Sha256::digest(migration.sql.as_bytes())), *hash, "{} as compiled", migration.file);
        }
        let compiled: Vec<(usize, String)> = compiled.iter().map(|m| (m.version, m.file.to_string())).collect();
        let breaches = breaches(&manifest(backend), &on_disk, &compiled);
        assert!(breaches.is_empty(), "{backend} migrations are append-only: {breaches:#?}");
    }

    #[test]
    fn sqlite_migrations_are_append_only_and_all_compiled_in() {
        check("sqlite", SQLITE);
    }

    #[test]
    fn postgres_migrations_are_append_only_and_all_compiled_in() {
        check("postgres", POSTGRES);
    }

    #[test]
    fn the_append_only_check_catches_every_change_to_a_shipped_migration() {
        let entry = |file: &str, hash: &str| (file.to_string(), hash.to_string());
        let manifest = [entry("0001_a.sql", "h1"), entry("0002_b.sql", "h2")];
        let compiled =
            |n: usize| (1..=n).map(|v| (v, format!("{v:04}_{}.sql", ["a", "b", "c"][v - 1]))).collect::<Vec<_>>();
        let ok = |files: &[(String, String)], n| breaches(&manifest, files, &compiled(n));
        // Unchanged, or a new migration appended: fine.
        assert_eq!(ok(&manifest, 2), Vec::<String>::new());
        assert_eq!(ok(&[manifest[0].clone(), manifest[1].clone(), entry("0003_c.sql", "h3")], 3), Vec::<String>::new());
        // Edited, removed, renumbered, a gap, or not compiled in: refused.
        assert!(ok(&[entry("0001_a.sql", "h1"), entry("0002_b.sql", "edited")], 2)[0].contains("edited"));
        assert!(ok(&[entry("0001_a.sql", "h1")], 1)[0].contains("removed"));
        assert!(!ok(&[entry("0001_a.sql", "h1"), entry("0003_b.sql", "h2")], 2).is_empty());
        assert!(!ok(&[entry("0001_a.sql", "h1"), entry("0002_b.sql", "h2"), entry("0004_c.sql", "h3")], 3).is_empty());
        assert!(!ok(&[manifest[0].clone(), manifest[1].clone(), entry("0003_c.sql", "h3")], 2).is_empty());
    }
}
