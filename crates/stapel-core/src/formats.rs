//! Detection and parsing of every credential format a learner holds, into one normalized
//! [`Credential`] view. (Being built: see issue 3.)
