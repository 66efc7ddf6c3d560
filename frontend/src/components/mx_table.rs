//! The MX table of the domain checks: one row per mail server, in
//! preference order, with its addresses, connect and EHLO results.

use smtplab_shared::diagnose::ServerRow;
use yew::prelude::*;

use super::use_app_state;
use crate::i18n::{t, Lang, Msg};

/// Props of [`MxTable`].
#[derive(Properties, PartialEq)]
pub(crate) struct MxTableProps {
    /// The rows, in preference order.
    pub(crate) servers: Vec<ServerRow>,
}

fn yes_no(lang: Lang, value: bool) -> &'static str {
    t(lang, if value { Msg::DiagYes } else { Msg::DiagNo })
}

/// A connect time as whole milliseconds: an integer, so the tab needs no
/// float formatting code for it (`{:.0}` links core's float printer).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn whole_ms(ms: f64) -> u64 {
    ms.max(0.0).round() as u64
}

/// `<table id="diag-mx-table">`; each row `data-host`, `data-ok`.
#[component]
pub(crate) fn MxTable(props: &MxTableProps) -> Html {
    let lang = use_app_state().lang;
    let heads = [
        Msg::DiagMxPreference,
        Msg::DiagMxHost,
        Msg::DiagMxAddresses,
        Msg::DiagMxConnected,
        Msg::DiagMxBanner,
        Msg::DiagMxEhlo,
        Msg::DiagMxStartTls,
        Msg::DiagMxProblem,
    ];
    html! {
        <table id="diag-mx-table" data-testid="diag-mx-table" class="mx-table">
            <caption>{ t(lang, Msg::DiagMxHeading) }</caption>
            <thead><tr>{ for heads.iter().map(|m| html! { <th scope="col">{ t(lang, *m) }</th> }) }</tr></thead>
            <tbody>
                { for props.servers.iter().map(|row| {
                    let preference = row.preference.map_or_else(|| t(lang, Msg::DiagImplicit).to_owned(), |p| p.to_string());
                    let addresses: Vec<String> = row.addresses.iter().map(ToString::to_string).collect();
                    let connected = match (row.connected, row.connect_ms) {
                        (true, Some(ms)) => format!("{} ({} ms)", yes_no(lang, true), whole_ms(ms)),
                        (value, _) => yes_no(lang, value).to_owned(),
                    };
                    html! {
                        <tr key={row.host.clone()} data-testid="diag-mx-row" data-host={row.host.clone()}
                            data-ok={if row.ok() { "true" } else { "false" }}>
                            <td>{ preference }</td>
                            <td>{ row.host.clone() }</td>
                            <td>{ addresses.join(", ") }</td>
                            <td>{ connected }</td>
                            <td>{ row.banner.clone().unwrap_or_default() }</td>
                            <td>{ yes_no(lang, row.ehlo_ok) }</td>
                            <td>{ yes_no(lang, row.starttls) }</td>
                            <td>{ row.problem.clone().unwrap_or_default() }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_times_show_as_whole_milliseconds() {
        assert_eq!(whole_ms(12.4), 12);
        assert_eq!(whole_ms(12.6), 13);
        assert_eq!(whole_ms(0.0), 0);
        assert_eq!(whole_ms(-3.0), 0);
        assert_eq!(whole_ms(f64::NAN), 0);
    }
}
