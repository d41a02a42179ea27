//! Import: turns files, standard input and URLs into stored credentials. (Being built: see issue 3.)
