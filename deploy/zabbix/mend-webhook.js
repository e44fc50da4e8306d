// mend's Zabbix webhook (Duktape, ES5): posts the problem or its recovery to mend's gateway, POST /alerts/zabbix.
// Zabbix retries the delivery when this throws (mend answers 503 while it cannot record the alert).
var MendWebhook = {
    // A macro Zabbix could not resolve arrives as its own text, e.g. "{EVENT.RECOVERY.TIMESTAMP}".
    given: function (value) {
        return typeof value === 'string' && value !== '' && !/^\{[A-Z0-9.$_]+\}$/.test(value);
    },

    isoTime: function (unixSeconds) {
        var seconds = parseInt(unixSeconds, 10);
        if (isNaN(seconds)) {
            throw 'not a Unix timestamp: ' + unixSeconds;
        }
        return new Date(seconds * 1000).toISOString();
    },

    tags: function (json) {
        if (!MendWebhook.given(json)) {
            return [];
        }
        var list = JSON.parse(json), tags = [];
        for (var i = 0; i < list.length; i++) {
            if (list[i].tag) {
                tags.push({ tag: String(list[i].tag), value: String(list[i].value || '') });
            }
        }
        return tags;
    },

    event: function (p) {
        var recovery = p.event_value === '0';
        var event = {
            eventId: p.event_id,
            status: recovery ? 'recovery' : 'problem',
            name: p.event_name,
            severity: parseInt(p.event_nseverity, 10),
            host: p.host,
            startsAt: MendWebhook.isoTime(p.event_timestamp),
            tags: MendWebhook.tags(p.event_tags_json)
        };
        if (MendWebhook.given(p.host_name)) { event.hostName = p.host_name; }
        if (MendWebhook.given(p.trigger_id)) { event.triggerId = p.trigger_id; }
        if (recovery && MendWebhook.given(p.event_recovery_timestamp)) {
            event.endsAt = MendWebhook.isoTime(p.event_recovery_timestamp);
        }
        if (MendWebhook.given(p.alert_message)) { event.message = p.alert_message; }
        if (MendWebhook.given(p.zabbix_url) && MendWebhook.given(p.trigger_id)) {
            event.url = p.zabbix_url.replace(/\/+$/, '') + '/tr_events.php?triggerid=' + p.trigger_id + '&eventid=' + p.event_id;
        }
        return event;
    },

    send: function (p, event) {
        var request = new HttpRequest();
        request.addHeader('Content-Type: application/json');
        request.addHeader('Authorization: Bearer ' + p.mend_token);
        if (MendWebhook.given(p.http_proxy)) {
            request.setProxy(p.http_proxy);
        }
        var response = request.post(p.mend_url, JSON.stringify(event));
        var status = request.getStatus();
        if (status !== 202) {
            throw 'mend answered HTTP ' + status + ': ' + String(response).substring(0, 500);
        }
        return response;
    }
};

try {
    var params = JSON.parse(value);
    ['mend_url', 'mend_token', 'event_id', 'event_value', 'event_name', 'event_nseverity', 'event_timestamp', 'host']
        .forEach(function (name) {
            if (!MendWebhook.given(params[name])) {
                throw 'parameter "' + name + '" is missing or its macro did not resolve';
            }
        });
    if (params.event_source !== '0' || params.event_update_status === '1') {
        // Only trigger problems and their recoveries open or resolve incidents; updates are not alerts.
        return 'skipped: not a trigger problem or recovery';
    }
    var event = MendWebhook.event(params);
    MendWebhook.send(params, event);
    Zabbix.log(4, '[ mend webhook ] sent ' + event.status + ' of event ' + event.eventId);
    return 'OK';
} catch (error) {
    Zabbix.log(3, '[ mend webhook ] ' + error);
    throw 'Sending to mend failed: ' + error;
}
