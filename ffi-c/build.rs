//! Gives the shared library an soname so installed copies can be versioned side by side:
//! `libmongodb_aws.so.MAJOR` from 1.0 on, `libmongodb_aws.so.0.MINOR` before (in 0.x a minor release
//! may break the ABI). Only the cdylib is affected; tests and the rlib are not.
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let soname = if major == "0" {
        format!("libmongodb_aws.so.0.{minor}")
    } else {
        format!("libmongodb_aws.so.{major}")
    };
    if target_os == "linux" || target_os == "android" || target_os.ends_with("bsd") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
