//! Verification of credentials. (Being built: see issue 4.)
