//! Integration tests of the Stapel core, one binary split into modules by area.

mod verify;
