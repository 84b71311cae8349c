package dev.gptneo.model.hub;

import java.net.URI;
import java.net.http.HttpResponse;

/**
 * A failed answer from the Hub, in the user's words. The Hub says what went wrong in its
 * {@code X-Error-Code} header, which huggingface_hub's {@code hf_raise_for_status} reads:
 * {@code RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound}, {@code GatedRepo}. A 401
 * without one is what a private or gated repo answers a request without a valid token (and what a
 * missing one answers too, so both are said).
 */
final class HubErrors {

    static final String TOKEN_ADVICE = "set HF_TOKEN to a token with access (https://huggingface.co/settings/tokens)";
    static final String OFFLINE_ADVICE = "set HF_HUB_OFFLINE=1 to use only what is in the cache";

    private HubErrors() {
    }

    /** Whether a failed answer may succeed if asked again: the Hub busy or briefly down. */
    static boolean isTransient(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    /**
     * @param what the file asked for, or null for the repo's metadata
     */
    static HubException of(HttpResponse<?> response, HubModelId id, String what, boolean tokenSent) {
        int status = response.statusCode();
        String code = response.headers().firstValue("X-Error-Code").orElse("");
        String serverMessage = response.headers().firstValue("X-Error-Message").orElse("");
        String url = withoutQuery(response.uri());
        return new HubException(switch (code) {
            case "RevisionNotFound" -> id.repo() + ": no revision '" + id.revision()
                    + "' on the Hub (expected a branch, tag or commit of the repo; " + url + ")";
            case "EntryNotFound" -> id.repo() + ": no file " + what + " at revision " + id.revision() + " (" + url + ")";
            case "GatedRepo" -> id.repo() + " is gated: accept its conditions on its Hub page, then " + TOKEN_ADVICE;
            case "RepoNotFound" -> id.repo() + ": no such model on the Hub, or it is gated or private"
                    + (tokenSent ? " and HF_TOKEN has no access to it" : ": check the name, or " + TOKEN_ADVICE) + " (" + url + ")";
            default -> switch (status) {
                case 401, 403 -> id.repo() + " is gated or private"
                        + (tokenSent ? " and HF_TOKEN was refused" + (serverMessage.isEmpty() ? "" : " (" + serverMessage + ")") : "")
                        + ": " + TOKEN_ADVICE;
                case 404 -> id.repo() + ": not found on the Hub: " + url;
                default -> id.repo() + ": the Hub answered HTTP " + status + " for " + url
                        + (isTransient(status) ? "; try again later, or " + OFFLINE_ADVICE : "");
            };
        });
    }

    /** A request that got no answer at all. */
    static HubException unreachable(URI url, Exception cause) {
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new HubException("cannot reach the Hub at " + withoutQuery(url) + " (" + why
                + "): check the network and HF_ENDPOINT, or " + OFFLINE_ADVICE, cause);
    }

    /**
     * A URL fit for a message: a blob host's query holds a signature, which has no place in a
     * log (and means nothing to the user).
     */
    static String withoutQuery(URI url) {
        String text = url.toString();
        int query = text.indexOf('?');
        return query < 0 ? text : text.substring(0, query);
    }
}
