//! Domain and host names as EPP carries them, A-labels and U-labels alike, through the
//! registry's name checks (IDNA2008 decoding among them): never a panic, and whatever is
//! accepted is an ASCII name of at most 253 characters that checks to itself again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_registry::lifecycle::names;
use nameward_registry::policy::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    let policy = Policy::default_for("example");
    let checks = [names::check_domain_name(&policy, name), names::check_host_name(name)];
    for checked in checks.into_iter().flatten() {
        assert!(checked.is_ascii() && checked.len() <= names::MAX_NAME_LENGTH, "{checked}");
        assert_eq!(names::lookup_name(name), checked);
    }
    let _ = names::lookup_name(name);
});
