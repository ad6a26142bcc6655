// Says, on every build of the tests, whether the PostgreSQL half of the suite will run.
fn main() {
    println!("cargo:rerun-if-env-changed=TEQUIO_TEST_POSTGRES_URL");
    if std::env::var_os("TEQUIO_TEST_POSTGRES_URL").is_none() {
        println!(
            "cargo:warning=TEQUIO_TEST_POSTGRES_URL is not set: store and API tests run on SQLite only; the PostgreSQL half is SKIPPED"
        );
    }
}
