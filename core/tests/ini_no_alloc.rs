//! The INI reader allocates nothing: parsing, every lookup and every view, counted by a global
//! allocator (the module's "no alloc" promise checked rather than asserted).

use mongodb_aws_core::ini::{self, FileKind, Ini};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

const CONFIG: &[u8] =
    b"# shared config\n[DEFAULT]\noutput = json\n\n[default]\nregion = us-east-1\n\
    [profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = default\n\
    s3 =\n  max_concurrent_requests = 10\n\n  addressing_style = path\n\
    [profile \"with space\"]\nregion: eu-west-1\nnote = first\n  second\n\n  third\n\
    [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
    [services local]\nsts =\n  endpoint_url = http://localhost:4566\n";

#[test]
fn reading_allocates_nothing() {
    let (total, allocations) = counting_alloc::counted(|| {
        let ini = Ini::parse(CONFIG).unwrap();
        let mut total = 0usize;
        for s in ini.sections() {
            for (k, v) in s.entries() {
                total += k.len() + v.len() + v.lines().count();
                if let Some(n) = v.nested() {
                    total += n.count();
                }
            }
        }
        let dev = ini::profile(&ini, FileKind::Config, "dev").unwrap();
        assert_eq!(
            dev.get("S3")
                .unwrap()
                .nested()
                .unwrap()
                .get("addressing_style"),
            Some("path")
        );
        assert_eq!(dev.get("output").unwrap().as_str(), Some("json"));
        let spaced = ini::profile(&ini, FileKind::Config, "with space").unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(
            spaced.get("note").unwrap().write_to(&mut buf).unwrap(),
            "first\nsecond\n\nthird"
        );
        assert!(spaced.get("note").unwrap().eq_str("first\nsecond\n\nthird"));
        assert!(ini::profile(&ini, FileKind::Config, "default").is_some());
        assert!(ini::profile(&ini, FileKind::Credentials, "dev").is_none());
        assert!(ini::sso_session(&ini, "corp").is_some());
        assert!(ini::services(&ini, "local").is_some());
        assert!(Ini::parse(b"[a]\nk = 1\n[a]\n").is_err());
        assert!(Ini::parse(b"[a]\nk = \xff\n").is_err());
        total
    });
    assert!(total > 0);
    assert_eq!(allocations, 0, "the INI reader allocated");
}
