import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, channelUrl, createApi, errorFromAnswer, socketUrl } from "../src/api.js";

function fakeFetch(status, body, calls = []) {
  return async (url, init) => {
    calls.push({ url, init });
    return { ok: status >= 200 && status < 300, status, statusText: "", text: async () => body };
  };
}

test("every route is one function with a relative URL", async () => {
  const calls = [];
  const api = createApi({ fetch: fakeFetch(200, "{}", calls) });
  await api.messageList("+15550100001", "to", { pageSize: 50, page: "tok en" });
  await api.thread("p/1", { markRead: false });
  await api.send({ text: "hi" });
  await api.deleteMessage("SM1");
  assert.deepEqual(
    calls.map((call) => [call.init.method, call.url]),
    [
      ["GET", "/plugin-io/api/twilio_sms_mms/message_list/%2B15550100001/to?pageSize=50&page=tok+en"],
      ["GET", "/plugin-io/api/twilio_sms_mms/patients/p%2F1/thread?markRead=0"],
      ["POST", "/plugin-io/api/twilio_sms_mms/sms_send"],
      ["DELETE", "/plugin-io/api/twilio_sms_mms/message_delete/SM1"],
    ],
  );
  assert.equal(calls[2].init.headers["Content-Type"], "application/json");
  assert.equal(calls[2].init.body, '{"text":"hi"}');
});

test("an upload posts the form as multipart: the browser sets its Content-Type and boundary", async () => {
  const calls = [];
  const api = createApi({ fetch: fakeFetch(201, '{"attachments": []}', calls) });
  const form = new FormData();
  form.append("files", new File(["%PDF"], "a.pdf", { type: "application/pdf" }));
  assert.deepEqual(await api.upload(form), { attachments: [] });
  assert.equal(calls[0].url, "/plugin-io/api/twilio_sms_mms/attachments");
  assert.equal(calls[0].init.body, form);
  assert.equal(calls[0].init.headers["Content-Type"], undefined);
});

test("a send answers its status so a 202 can be told from a 201", async () => {
  const api = createApi({ fetch: fakeFetch(202, '{"message": {"status": "unknown"}, "notice": "may"}') });
  const answer = await api.send({});
  assert.equal(answer.status, 202);
  assert.equal(answer.data.notice, "may");
});

test("an error answer becomes one typed ApiError", async () => {
  const body = '{"error": {"message": "Opted out", "twilioCode": null, "field": "numberTo", "reason": "opted_out"}}';
  const api = createApi({ fetch: fakeFetch(409, body) });
  await assert.rejects(api.send({}), (error) => {
    assert.ok(error instanceof ApiError);
    assert.deepEqual(
      [error.status, error.reason, error.field, error.text],
      [409, "opted_out", "numberTo", "Opted out"],
    );
    return true;
  });
  assert.equal(
    errorFromAnswer(400, "", { error: { message: "Bad", twilioCode: 21211 } }).text,
    "Bad (Twilio error 21211)",
  );
  assert.match(errorFromAnswer(401, "", null).message, /session has expired/);
  assert.equal(errorFromAnswer(502, "Bad Gateway", null).message, "The server answered 502 Bad Gateway.");
});

test("the service banner hears 503s and Twilio's credential refusals", async () => {
  const heard = [];
  const api = createApi({
    fetch: fakeFetch(503, '{"error": {"message": "Down"}}'),
    onServiceProblem: (m) => heard.push(m),
  });
  await assert.rejects(api.phoneList());
  assert.deepEqual(heard, ["Down"]);
});

test("a network failure and an unreadable answer have words", async () => {
  const down = createApi({
    fetch: async () => {
      throw new TypeError("Failed to fetch");
    },
  });
  await assert.rejects(down.phoneList(), /Could not reach the server/);
  await assert.rejects(createApi({ fetch: fakeFetch(200, "<html>") }).phoneList(), /cannot read/);
});

test("the socket URL is the page's origin, ws or wss, skipping about:srcdoc", () => {
  const fail = () => {
    throw new Error("cross-origin");
  };
  assert.equal(
    socketUrl("abc", [() => "about:srcdoc", fail, () => "https://clinic.canvasmedical.com/patient/1"]),
    "wss://clinic.canvasmedical.com/plugin-io/ws/twilio_sms_mms/patient_abc/",
  );
  assert.equal(
    socketUrl("abc", [() => "http://127.0.0.1:8000/x"]),
    "ws://127.0.0.1:8000/plugin-io/ws/twilio_sms_mms/patient_abc/",
  );
  assert.equal(socketUrl("abc", [() => "about:srcdoc"]), null);
});

test("the inbox routes encode the conversation id and the query", async () => {
  const calls = [];
  const api = createApi({ fetch: fakeFetch(200, "{}", calls) });
  await api.inbox({ filter: "mine", q: "lo pez", cursor: "1.2" });
  await api.triage("number:+15550177777", "assign", { staffId: null });
  await api.numberThread("number:+15550177777");
  await api.findPatients("mar");
  assert.deepEqual(
    calls.map((call) => [call.init.method, call.url]),
    [
      ["GET", "/plugin-io/api/twilio_sms_mms/inbox?filter=mine&q=lo+pez&cursor=1.2"],
      ["POST", "/plugin-io/api/twilio_sms_mms/inbox/conversations/number%3A%2B15550177777/assign"],
      ["GET", "/plugin-io/api/twilio_sms_mms/inbox/conversations/number%3A%2B15550177777/thread"],
      ["GET", "/plugin-io/api/twilio_sms_mms/inbox/patients?q=mar"],
    ],
  );
  assert.equal(calls[1].init.body, '{"staffId":null}');
});

test("the inbox channel's socket URL", () => {
  assert.equal(
    channelUrl("inbox", [() => "https://clinic.canvasmedical.com/"]),
    "wss://clinic.canvasmedical.com/plugin-io/ws/twilio_sms_mms/inbox/",
  );
});
