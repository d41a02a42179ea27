//! The encrypted wallet. (Being built: see issue 3.)
