//! The demo's open days: 市中区's 政府开放月 with five events in every state.
