/* Generated from schema/mesh.schema.json by `npm run gen:validators` (ajv standalone). Do not edit. */
// @ts-nocheck
import func1Module from "ajv/dist/runtime/ucs2length.js";
import func0Module from "ajv/dist/runtime/equal.js";
"use strict";
export const validateMeshDocument = validate65;
const schema32 = {"title":"MeshDocument","description":"The mesh-wide settings: trust domain, mTLS mode, trust roots, policy defaults, sidecar ports and observability.","type":"object","additionalProperties":false,"required":["apiVersion","kind","metadata","spec"],"properties":{"apiVersion":{"const":"meshc/v1","description":"API version of the document; meshc/v1 is the only one."},"kind":{"const":"Mesh","description":"Mesh: the one mesh-wide document."},"metadata":{"$ref":"#/$defs/Metadata"},"spec":{"$ref":"#/$defs/MeshSpec"}}};
const schema33 = {"title":"Metadata","description":"Name and labels of a document.","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"$ref":"#/$defs/DnsLabel","description":"Name of the mesh or service (a DNS label)."},"labels":{"description":"Free-form labels, carried into reports.","type":"object","propertyNames":{"pattern":"^[a-zA-Z0-9]([-a-zA-Z0-9_./]{0,61}[a-zA-Z0-9])?$"},"additionalProperties":{"type":"string","maxLength":63}}}};
const schema34 = {"type":"string","pattern":"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$","description":"A DNS label (RFC 1123): lower-case letters, digits and -, at most 63 characters."};
const pattern4 = new RegExp("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", "u");
const pattern5 = new RegExp("^[a-zA-Z0-9]([-a-zA-Z0-9_./]{0,61}[a-zA-Z0-9])?$", "u");
const func1 = func1Module.default ?? func1Module;

function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate22.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema33.required,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "name") || (key0 === "labels"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/DnsLabel/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema34,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/DnsLabel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.type,parentSchema:schema34,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.labels !== undefined){
let data1 = data.labels;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
for(const key1 in data1){
const _errs7 = errors;
if(typeof key1 === "string"){
if(!pattern5.test(key1)){
const err4 = {instancePath:instancePath+"/labels",schemaPath:"#/properties/labels/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[a-zA-Z0-9]([-a-zA-Z0-9_./]{0,61}[a-zA-Z0-9])?$"},message:"must match pattern \""+"^[a-zA-Z0-9]([-a-zA-Z0-9_./]{0,61}[a-zA-Z0-9])?$"+"\"",schema:"^[a-zA-Z0-9]([-a-zA-Z0-9_./]{0,61}[a-zA-Z0-9])?$",parentSchema:schema33.properties.labels.propertyNames,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
var valid2 = _errs7 === errors;
if(!valid2){
const err5 = {instancePath:instancePath+"/labels",schemaPath:"#/properties/labels/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema33.properties.labels.propertyNames,parentSchema:schema33.properties.labels,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
for(const key2 in data1){
let data2 = data1[key2];
if(typeof data2 === "string"){
if(func1(data2) > 63){
const err6 = {instancePath:instancePath+"/labels/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/labels/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema33.properties.labels.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/labels/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.properties.labels.additionalProperties.type,parentSchema:schema33.properties.labels.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/labels",schemaPath:"#/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema33.properties.labels.type,parentSchema:schema33.properties.labels,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema33.type,parentSchema:schema33,data};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
validate22.errors = vErrors;
return errors === 0;
}
validate22.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema35 = {"title":"MeshSpec","type":"object","additionalProperties":false,"required":["trustDomain","trust"],"properties":{"trustDomain":{"description":"SPIFFE trust domain; every workload's identity is spiffe://<trustDomain>/<service>.","type":"string","pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$","maxLength":253},"mtls":{"$ref":"#/$defs/MtlsMode","description":"Mesh-wide mTLS mode: strict (certificates required) or permissive (plaintext also accepted inbound).","default":"strict"},"trust":{"description":"Trust anchors for workload certificates.","type":"object","additionalProperties":false,"required":["roots"],"properties":{"roots":{"description":"Paths (relative to the spec root) of PEM CA certificates; list several during a CA rotation.","type":"array","minItems":1,"items":{"type":"string","minLength":1}},"workloadTtl":{"$ref":"#/$defs/Duration","description":"Lifetime of workload certificates: the default of `meshc certs issue` and `renew`; certificate lint compares CA rotation overlaps with it.","default":"24h"}}},"defaults":{"$ref":"#/$defs/Policies","description":"Policy defaults for every service and route; each field is overridable per service, and timeout/retries per route."},"sidecar":{"description":"Default sidecar listener ports.","type":"object","additionalProperties":false,"properties":{"inbound":{"$ref":"#/$defs/Port","description":"Inbound (mTLS) listener port.","default":15006},"outbound":{"$ref":"#/$defs/Port","description":"Outbound (plain HTTP from the app) listener port.","default":15001},"admin":{"$ref":"#/$defs/Port","description":"Admin listener port (loopback).","default":15000}}},"observability":{"description":"Access logs and tracing.","type":"object","additionalProperties":false,"properties":{"accessLog":{"description":"Access log format.","enum":["json","off"],"default":"json"},"tracing":{"description":"Trace sampling and export.","type":"object","additionalProperties":false,"properties":{"sampling":{"description":"Fraction of new traces sampled (0 to 1).","type":"number","minimum":0,"maximum":1,"default":0.01},"otlpEndpoint":{"description":"OTLP/HTTP endpoint for spans; empty disables export.","type":"string","default":""}}}}}},"description":"Mesh-wide settings; every service inherits defaults and may override them."};
const schema36 = {"enum":["strict","permissive"],"description":"strict: mutual TLS required; permissive: plaintext accepted too (migration only)."};
const schema37 = {"type":"string","pattern":"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$","description":"A duration: a number and a unit, ms, s, m or h (250ms, 2s, 1.5s, 1m)."};
const schema51 = {"type":"integer","minimum":1,"maximum":65535,"description":"A TCP port, 1 to 65535."};
const pattern6 = new RegExp("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "u");
const pattern7 = new RegExp("^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$", "u");
const schema38 = {"title":"Policies","type":"object","additionalProperties":false,"properties":{"timeout":{"$ref":"#/$defs/Duration","description":"Whole-request timeout, retries included.","default":"15s"},"connectTimeout":{"$ref":"#/$defs/Duration","description":"TCP+TLS connect timeout.","default":"5s"},"retries":{"$ref":"#/$defs/Retries"},"circuitBreaker":{"$ref":"#/$defs/CircuitBreaker"},"outlierDetection":{"$ref":"#/$defs/OutlierDetection"},"loadBalancer":{"$ref":"#/$defs/LoadBalancer"}},"description":"Resilience policies given as mesh defaults."};
const schema45 = {"title":"CircuitBreaker","description":"Connection and request limits per destination version.","type":"object","additionalProperties":false,"properties":{"maxConnections":{"type":"integer","minimum":1,"maximum":4294967295,"description":"Maximum upstream connections.","default":1024},"maxPendingRequests":{"type":"integer","minimum":1,"maximum":4294967295,"description":"Maximum requests waiting for a connection.","default":1024},"maxRequests":{"type":"integer","minimum":1,"maximum":4294967295,"description":"Maximum concurrent requests.","default":1024}}};
const schema41 = {"title":"Retries","description":"Retry policy.","type":"object","additionalProperties":false,"properties":{"attempts":{"description":"Retries after the first try (0 disables).","type":"integer","minimum":0,"maximum":10,"default":2},"perTryTimeout":{"$ref":"#/$defs/Duration","description":"Timeout of each try.","default":"5s"},"on":{"description":"Conditions that trigger a retry: connect-failure, refused-stream, reset, 5xx, gateway-error, or a status code such as \"503\".","type":"array","uniqueItems":true,"items":{"type":"string","pattern":"^(connect-failure|refused-stream|reset|5xx|gateway-error|[1-5][0-9][0-9])$"},"default":["connect-failure","refused-stream","503"]},"idempotentOnly":{"description":"Retry only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE).","type":"boolean","default":true},"maxBodyBytes":{"description":"Requests with a larger body are not retried (the body is not buffered).","type":"integer","minimum":0,"maximum":67108864,"default":65536},"backoff":{"description":"Full-jitter exponential back-off between tries.","type":"object","additionalProperties":false,"properties":{"base":{"$ref":"#/$defs/Duration","description":"Base interval.","default":"25ms"},"max":{"$ref":"#/$defs/Duration","description":"Maximum interval; one below `base` is raised to `base` (Envoy refuses it lower).","default":"250ms"}}},"budget":{"description":"Retry budget: retries may add at most this share of load, with a floor per second.","type":"object","additionalProperties":false,"properties":{"percent":{"description":"Retries allowed as a percentage of requests.","type":"number","minimum":0,"maximum":100,"default":20},"minPerSecond":{"description":"A reserve of retries allowed on top of percent: this many per second of the budget's 10-second window, which a burst may spend at once.","type":"integer","minimum":0,"maximum":4294967295,"default":10}}}}};
const pattern11 = new RegExp("^(connect-failure|refused-stream|reset|5xx|gateway-error|[1-5][0-9][0-9])$", "u");

function validate26(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate26.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((((((key0 === "attempts") || (key0 === "perTryTimeout")) || (key0 === "on")) || (key0 === "idempotentOnly")) || (key0 === "maxBodyBytes")) || (key0 === "backoff")) || (key0 === "budget"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.attempts !== undefined){
let data0 = data.attempts;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/attempts",schemaPath:"#/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema41.properties.attempts.type,parentSchema:schema41.properties.attempts,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 > 10 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/attempts",schemaPath:"#/properties/attempts/maximum",keyword:"maximum",params:{comparison: "<=", limit: 10},message:"must be <= 10",schema:10,parentSchema:schema41.properties.attempts,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data0 < 0 || isNaN(data0)){
const err3 = {instancePath:instancePath+"/attempts",schemaPath:"#/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema41.properties.attempts,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
if(data.perTryTimeout !== undefined){
let data1 = data.perTryTimeout;
if(typeof data1 === "string"){
if(!pattern7.test(data1)){
const err4 = {instancePath:instancePath+"/perTryTimeout",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/perTryTimeout",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.on !== undefined){
let data2 = data.on;
if(Array.isArray(data2)){
const len0 = data2.length;
for(let i0=0; i0<len0; i0++){
let data3 = data2[i0];
if(typeof data3 === "string"){
if(!pattern11.test(data3)){
const err6 = {instancePath:instancePath+"/on/" + i0,schemaPath:"#/properties/on/items/pattern",keyword:"pattern",params:{pattern: "^(connect-failure|refused-stream|reset|5xx|gateway-error|[1-5][0-9][0-9])$"},message:"must match pattern \""+"^(connect-failure|refused-stream|reset|5xx|gateway-error|[1-5][0-9][0-9])$"+"\"",schema:"^(connect-failure|refused-stream|reset|5xx|gateway-error|[1-5][0-9][0-9])$",parentSchema:schema41.properties.on.items,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/on/" + i0,schemaPath:"#/properties/on/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.properties.on.items.type,parentSchema:schema41.properties.on.items,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
let i1 = data2.length;
let j0;
if(i1 > 1){
const indices0 = {};
for(;i1--;){
let item0 = data2[i1];
if(typeof item0 !== "string"){
continue;
}
if(typeof indices0[item0] == "number"){
j0 = indices0[item0];
const err8 = {instancePath:instancePath+"/on",schemaPath:"#/properties/on/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema41.properties.on,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
break;
}
indices0[item0] = i1;
}
}
}
else {
const err9 = {instancePath:instancePath+"/on",schemaPath:"#/properties/on/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema41.properties.on.type,parentSchema:schema41.properties.on,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.idempotentOnly !== undefined){
let data4 = data.idempotentOnly;
if(typeof data4 !== "boolean"){
const err10 = {instancePath:instancePath+"/idempotentOnly",schemaPath:"#/properties/idempotentOnly/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema41.properties.idempotentOnly.type,parentSchema:schema41.properties.idempotentOnly,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.maxBodyBytes !== undefined){
let data5 = data.maxBodyBytes;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err11 = {instancePath:instancePath+"/maxBodyBytes",schemaPath:"#/properties/maxBodyBytes/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema41.properties.maxBodyBytes.type,parentSchema:schema41.properties.maxBodyBytes,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 67108864 || isNaN(data5)){
const err12 = {instancePath:instancePath+"/maxBodyBytes",schemaPath:"#/properties/maxBodyBytes/maximum",keyword:"maximum",params:{comparison: "<=", limit: 67108864},message:"must be <= 67108864",schema:67108864,parentSchema:schema41.properties.maxBodyBytes,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
if(data5 < 0 || isNaN(data5)){
const err13 = {instancePath:instancePath+"/maxBodyBytes",schemaPath:"#/properties/maxBodyBytes/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema41.properties.maxBodyBytes,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
}
if(data.backoff !== undefined){
let data6 = data.backoff;
if(data6 && typeof data6 == "object" && !Array.isArray(data6)){
for(const key1 in data6){
if(!((key1 === "base") || (key1 === "max"))){
const err14 = {instancePath:instancePath+"/backoff",schemaPath:"#/properties/backoff/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema41.properties.backoff,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data6.base !== undefined){
let data7 = data6.base;
if(typeof data7 === "string"){
if(!pattern7.test(data7)){
const err15 = {instancePath:instancePath+"/backoff/base",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/backoff/base",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data6.max !== undefined){
let data8 = data6.max;
if(typeof data8 === "string"){
if(!pattern7.test(data8)){
const err17 = {instancePath:instancePath+"/backoff/max",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/backoff/max",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/backoff",schemaPath:"#/properties/backoff/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema41.properties.backoff.type,parentSchema:schema41.properties.backoff,data:data6};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.budget !== undefined){
let data9 = data.budget;
if(data9 && typeof data9 == "object" && !Array.isArray(data9)){
for(const key2 in data9){
if(!((key2 === "percent") || (key2 === "minPerSecond"))){
const err20 = {instancePath:instancePath+"/budget",schemaPath:"#/properties/budget/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema41.properties.budget,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data9.percent !== undefined){
let data10 = data9.percent;
if((typeof data10 == "number") && (isFinite(data10))){
if(data10 > 100 || isNaN(data10)){
const err21 = {instancePath:instancePath+"/budget/percent",schemaPath:"#/properties/budget/properties/percent/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema41.properties.budget.properties.percent,data:data10};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if(data10 < 0 || isNaN(data10)){
const err22 = {instancePath:instancePath+"/budget/percent",schemaPath:"#/properties/budget/properties/percent/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema41.properties.budget.properties.percent,data:data10};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
else {
const err23 = {instancePath:instancePath+"/budget/percent",schemaPath:"#/properties/budget/properties/percent/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema41.properties.budget.properties.percent.type,parentSchema:schema41.properties.budget.properties.percent,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data9.minPerSecond !== undefined){
let data11 = data9.minPerSecond;
if(!(((typeof data11 == "number") && (!(data11 % 1) && !isNaN(data11))) && (isFinite(data11)))){
const err24 = {instancePath:instancePath+"/budget/minPerSecond",schemaPath:"#/properties/budget/properties/minPerSecond/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema41.properties.budget.properties.minPerSecond.type,parentSchema:schema41.properties.budget.properties.minPerSecond,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if((typeof data11 == "number") && (isFinite(data11))){
if(data11 > 4294967295 || isNaN(data11)){
const err25 = {instancePath:instancePath+"/budget/minPerSecond",schemaPath:"#/properties/budget/properties/minPerSecond/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema41.properties.budget.properties.minPerSecond,data:data11};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
if(data11 < 0 || isNaN(data11)){
const err26 = {instancePath:instancePath+"/budget/minPerSecond",schemaPath:"#/properties/budget/properties/minPerSecond/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema41.properties.budget.properties.minPerSecond,data:data11};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
}
else {
const err27 = {instancePath:instancePath+"/budget",schemaPath:"#/properties/budget/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema41.properties.budget.type,parentSchema:schema41.properties.budget,data:data9};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
}
else {
const err28 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema41.type,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
validate26.errors = vErrors;
return errors === 0;
}
validate26.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema46 = {"title":"OutlierDetection","description":"Passive health checking: eject endpoints that fail repeatedly.","type":"object","additionalProperties":false,"properties":{"consecutive5xx":{"type":"integer","minimum":1,"maximum":4294967295,"description":"Consecutive 5xx responses before ejection.","default":5},"interval":{"$ref":"#/$defs/Duration","description":"Analysis interval.","default":"10s"},"baseEjectionTime":{"$ref":"#/$defs/Duration","description":"Base ejection time, multiplied by the number of ejections.","default":"30s"},"maxEjectionPercent":{"type":"integer","minimum":0,"maximum":100,"description":"Most endpoints ejected at once, in percent.","default":10}}};

function validate28(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate28.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((key0 === "consecutive5xx") || (key0 === "interval")) || (key0 === "baseEjectionTime")) || (key0 === "maxEjectionPercent"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.consecutive5xx !== undefined){
let data0 = data.consecutive5xx;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/consecutive5xx",schemaPath:"#/properties/consecutive5xx/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema46.properties.consecutive5xx.type,parentSchema:schema46.properties.consecutive5xx,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 > 4294967295 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/consecutive5xx",schemaPath:"#/properties/consecutive5xx/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema46.properties.consecutive5xx,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data0 < 1 || isNaN(data0)){
const err3 = {instancePath:instancePath+"/consecutive5xx",schemaPath:"#/properties/consecutive5xx/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema46.properties.consecutive5xx,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
if(data.interval !== undefined){
let data1 = data.interval;
if(typeof data1 === "string"){
if(!pattern7.test(data1)){
const err4 = {instancePath:instancePath+"/interval",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/interval",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.baseEjectionTime !== undefined){
let data2 = data.baseEjectionTime;
if(typeof data2 === "string"){
if(!pattern7.test(data2)){
const err6 = {instancePath:instancePath+"/baseEjectionTime",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/baseEjectionTime",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.maxEjectionPercent !== undefined){
let data3 = data.maxEjectionPercent;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err8 = {instancePath:instancePath+"/maxEjectionPercent",schemaPath:"#/properties/maxEjectionPercent/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema46.properties.maxEjectionPercent.type,parentSchema:schema46.properties.maxEjectionPercent,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 > 100 || isNaN(data3)){
const err9 = {instancePath:instancePath+"/maxEjectionPercent",schemaPath:"#/properties/maxEjectionPercent/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema46.properties.maxEjectionPercent,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(data3 < 0 || isNaN(data3)){
const err10 = {instancePath:instancePath+"/maxEjectionPercent",schemaPath:"#/properties/maxEjectionPercent/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema46.properties.maxEjectionPercent,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
}
else {
const err11 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.type,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
validate28.errors = vErrors;
return errors === 0;
}
validate28.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema49 = {"title":"LoadBalancer","description":"Endpoint selection within a destination version.","type":"object","additionalProperties":false,"properties":{"policy":{"description":"Balancing policy.","enum":["round-robin","least-request","random","ring-hash"],"default":"least-request"},"hashOn":{"description":"What ring-hash hashes on.","type":"object","additionalProperties":false,"required":["header"],"properties":{"header":{"$ref":"#/$defs/HeaderName","description":"Request header whose value is hashed."}}}}};
const schema50 = {"type":"string","pattern":"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$","description":"An HTTP header name (an RFC 9110 token), matched case-insensitively."};
const pattern16 = new RegExp("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", "u");

function validate30(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate30.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "policy") || (key0 === "hashOn"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema49,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.policy !== undefined){
let data0 = data.policy;
if(!((((data0 === "round-robin") || (data0 === "least-request")) || (data0 === "random")) || (data0 === "ring-hash"))){
const err1 = {instancePath:instancePath+"/policy",schemaPath:"#/properties/policy/enum",keyword:"enum",params:{allowedValues: schema49.properties.policy.enum},message:"must be equal to one of the allowed values",schema:schema49.properties.policy.enum,parentSchema:schema49.properties.policy,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.hashOn !== undefined){
let data1 = data.hashOn;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(data1.header === undefined){
const err2 = {instancePath:instancePath+"/hashOn",schemaPath:"#/properties/hashOn/required",keyword:"required",params:{missingProperty: "header"},message:"must have required property '"+"header"+"'",schema:schema49.properties.hashOn.required,parentSchema:schema49.properties.hashOn,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key1 in data1){
if(!(key1 === "header")){
const err3 = {instancePath:instancePath+"/hashOn",schemaPath:"#/properties/hashOn/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema49.properties.hashOn,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data1.header !== undefined){
let data2 = data1.header;
if(typeof data2 === "string"){
if(!pattern16.test(data2)){
const err4 = {instancePath:instancePath+"/hashOn/header",schemaPath:"#/$defs/HeaderName/pattern",keyword:"pattern",params:{pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},message:"must match pattern \""+"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"+"\"",schema:"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",parentSchema:schema50,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/hashOn/header",schemaPath:"#/$defs/HeaderName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.type,parentSchema:schema50,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/hashOn",schemaPath:"#/properties/hashOn/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema49.properties.hashOn.type,parentSchema:schema49.properties.hashOn,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema49.type,parentSchema:schema49,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate30.errors = vErrors;
return errors === 0;
}
validate30.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate25(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate25.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((((key0 === "timeout") || (key0 === "connectTimeout")) || (key0 === "retries")) || (key0 === "circuitBreaker")) || (key0 === "outlierDetection")) || (key0 === "loadBalancer"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.timeout !== undefined){
let data0 = data.timeout;
if(typeof data0 === "string"){
if(!pattern7.test(data0)){
const err1 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.connectTimeout !== undefined){
let data1 = data.connectTimeout;
if(typeof data1 === "string"){
if(!pattern7.test(data1)){
const err3 = {instancePath:instancePath+"/connectTimeout",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/connectTimeout",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.retries !== undefined){
if(!(validate26(data.retries, {instancePath:instancePath+"/retries",parentData:data,parentDataProperty:"retries",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.circuitBreaker !== undefined){
let data3 = data.circuitBreaker;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
for(const key1 in data3){
if(!(((key1 === "maxConnections") || (key1 === "maxPendingRequests")) || (key1 === "maxRequests"))){
const err5 = {instancePath:instancePath+"/circuitBreaker",schemaPath:"#/$defs/CircuitBreaker/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema45,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data3.maxConnections !== undefined){
let data4 = data3.maxConnections;
if(!(((typeof data4 == "number") && (!(data4 % 1) && !isNaN(data4))) && (isFinite(data4)))){
const err6 = {instancePath:instancePath+"/circuitBreaker/maxConnections",schemaPath:"#/$defs/CircuitBreaker/properties/maxConnections/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema45.properties.maxConnections.type,parentSchema:schema45.properties.maxConnections,data:data4};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data4 == "number") && (isFinite(data4))){
if(data4 > 4294967295 || isNaN(data4)){
const err7 = {instancePath:instancePath+"/circuitBreaker/maxConnections",schemaPath:"#/$defs/CircuitBreaker/properties/maxConnections/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema45.properties.maxConnections,data:data4};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(data4 < 1 || isNaN(data4)){
const err8 = {instancePath:instancePath+"/circuitBreaker/maxConnections",schemaPath:"#/$defs/CircuitBreaker/properties/maxConnections/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema45.properties.maxConnections,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
if(data3.maxPendingRequests !== undefined){
let data5 = data3.maxPendingRequests;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err9 = {instancePath:instancePath+"/circuitBreaker/maxPendingRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxPendingRequests/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema45.properties.maxPendingRequests.type,parentSchema:schema45.properties.maxPendingRequests,data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 4294967295 || isNaN(data5)){
const err10 = {instancePath:instancePath+"/circuitBreaker/maxPendingRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxPendingRequests/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema45.properties.maxPendingRequests,data:data5};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if(data5 < 1 || isNaN(data5)){
const err11 = {instancePath:instancePath+"/circuitBreaker/maxPendingRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxPendingRequests/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema45.properties.maxPendingRequests,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
if(data3.maxRequests !== undefined){
let data6 = data3.maxRequests;
if(!(((typeof data6 == "number") && (!(data6 % 1) && !isNaN(data6))) && (isFinite(data6)))){
const err12 = {instancePath:instancePath+"/circuitBreaker/maxRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxRequests/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema45.properties.maxRequests.type,parentSchema:schema45.properties.maxRequests,data:data6};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
if((typeof data6 == "number") && (isFinite(data6))){
if(data6 > 4294967295 || isNaN(data6)){
const err13 = {instancePath:instancePath+"/circuitBreaker/maxRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxRequests/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema45.properties.maxRequests,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if(data6 < 1 || isNaN(data6)){
const err14 = {instancePath:instancePath+"/circuitBreaker/maxRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxRequests/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema45.properties.maxRequests,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
}
else {
const err15 = {instancePath:instancePath+"/circuitBreaker",schemaPath:"#/$defs/CircuitBreaker/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema45.type,parentSchema:schema45,data:data3};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.outlierDetection !== undefined){
if(!(validate28(data.outlierDetection, {instancePath:instancePath+"/outlierDetection",parentData:data,parentDataProperty:"outlierDetection",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate28.errors : vErrors.concat(validate28.errors);
errors = vErrors.length;
}
}
if(data.loadBalancer !== undefined){
if(!(validate30(data.loadBalancer, {instancePath:instancePath+"/loadBalancer",parentData:data,parentDataProperty:"loadBalancer",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate30.errors : vErrors.concat(validate30.errors);
errors = vErrors.length;
}
}
}
else {
const err16 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
validate25.errors = vErrors;
return errors === 0;
}
validate25.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate24(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate24.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.trustDomain === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "trustDomain"},message:"must have required property '"+"trustDomain"+"'",schema:schema35.required,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.trust === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "trust"},message:"must have required property '"+"trust"+"'",schema:schema35.required,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!((((((key0 === "trustDomain") || (key0 === "mtls")) || (key0 === "trust")) || (key0 === "defaults")) || (key0 === "sidecar")) || (key0 === "observability"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.trustDomain !== undefined){
let data0 = data.trustDomain;
if(typeof data0 === "string"){
if(func1(data0) > 253){
const err3 = {instancePath:instancePath+"/trustDomain",schemaPath:"#/properties/trustDomain/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema35.properties.trustDomain,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(!pattern6.test(data0)){
const err4 = {instancePath:instancePath+"/trustDomain",schemaPath:"#/properties/trustDomain/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"+"\"",schema:"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",parentSchema:schema35.properties.trustDomain,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/trustDomain",schemaPath:"#/properties/trustDomain/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.trustDomain.type,parentSchema:schema35.properties.trustDomain,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.mtls !== undefined){
let data1 = data.mtls;
if(!((data1 === "strict") || (data1 === "permissive"))){
const err6 = {instancePath:instancePath+"/mtls",schemaPath:"#/$defs/MtlsMode/enum",keyword:"enum",params:{allowedValues: schema36.enum},message:"must be equal to one of the allowed values",schema:schema36.enum,parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.trust !== undefined){
let data2 = data.trust;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.roots === undefined){
const err7 = {instancePath:instancePath+"/trust",schemaPath:"#/properties/trust/required",keyword:"required",params:{missingProperty: "roots"},message:"must have required property '"+"roots"+"'",schema:schema35.properties.trust.required,parentSchema:schema35.properties.trust,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
for(const key1 in data2){
if(!((key1 === "roots") || (key1 === "workloadTtl"))){
const err8 = {instancePath:instancePath+"/trust",schemaPath:"#/properties/trust/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema35.properties.trust,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.roots !== undefined){
let data3 = data2.roots;
if(Array.isArray(data3)){
if(data3.length < 1){
const err9 = {instancePath:instancePath+"/trust/roots",schemaPath:"#/properties/trust/properties/roots/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema35.properties.trust.properties.roots,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
const len0 = data3.length;
for(let i0=0; i0<len0; i0++){
let data4 = data3[i0];
if(typeof data4 === "string"){
if(func1(data4) < 1){
const err10 = {instancePath:instancePath+"/trust/roots/" + i0,schemaPath:"#/properties/trust/properties/roots/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35.properties.trust.properties.roots.items,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/trust/roots/" + i0,schemaPath:"#/properties/trust/properties/roots/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.trust.properties.roots.items.type,parentSchema:schema35.properties.trust.properties.roots.items,data:data4};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath:instancePath+"/trust/roots",schemaPath:"#/properties/trust/properties/roots/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema35.properties.trust.properties.roots.type,parentSchema:schema35.properties.trust.properties.roots,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data2.workloadTtl !== undefined){
let data5 = data2.workloadTtl;
if(typeof data5 === "string"){
if(!pattern7.test(data5)){
const err13 = {instancePath:instancePath+"/trust/workloadTtl",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/trust/workloadTtl",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
else {
const err15 = {instancePath:instancePath+"/trust",schemaPath:"#/properties/trust/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.properties.trust.type,parentSchema:schema35.properties.trust,data:data2};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.defaults !== undefined){
if(!(validate25(data.defaults, {instancePath:instancePath+"/defaults",parentData:data,parentDataProperty:"defaults",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.sidecar !== undefined){
let data7 = data.sidecar;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
for(const key2 in data7){
if(!(((key2 === "inbound") || (key2 === "outbound")) || (key2 === "admin"))){
const err16 = {instancePath:instancePath+"/sidecar",schemaPath:"#/properties/sidecar/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema35.properties.sidecar,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data7.inbound !== undefined){
let data8 = data7.inbound;
if(!(((typeof data8 == "number") && (!(data8 % 1) && !isNaN(data8))) && (isFinite(data8)))){
const err17 = {instancePath:instancePath+"/sidecar/inbound",schemaPath:"#/$defs/Port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema51.type,parentSchema:schema51,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 > 65535 || isNaN(data8)){
const err18 = {instancePath:instancePath+"/sidecar/inbound",schemaPath:"#/$defs/Port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema51,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(data8 < 1 || isNaN(data8)){
const err19 = {instancePath:instancePath+"/sidecar/inbound",schemaPath:"#/$defs/Port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema51,data:data8};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
if(data7.outbound !== undefined){
let data9 = data7.outbound;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err20 = {instancePath:instancePath+"/sidecar/outbound",schemaPath:"#/$defs/Port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema51.type,parentSchema:schema51,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
if((typeof data9 == "number") && (isFinite(data9))){
if(data9 > 65535 || isNaN(data9)){
const err21 = {instancePath:instancePath+"/sidecar/outbound",schemaPath:"#/$defs/Port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema51,data:data9};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if(data9 < 1 || isNaN(data9)){
const err22 = {instancePath:instancePath+"/sidecar/outbound",schemaPath:"#/$defs/Port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema51,data:data9};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
}
if(data7.admin !== undefined){
let data10 = data7.admin;
if(!(((typeof data10 == "number") && (!(data10 % 1) && !isNaN(data10))) && (isFinite(data10)))){
const err23 = {instancePath:instancePath+"/sidecar/admin",schemaPath:"#/$defs/Port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema51.type,parentSchema:schema51,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
if((typeof data10 == "number") && (isFinite(data10))){
if(data10 > 65535 || isNaN(data10)){
const err24 = {instancePath:instancePath+"/sidecar/admin",schemaPath:"#/$defs/Port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema51,data:data10};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(data10 < 1 || isNaN(data10)){
const err25 = {instancePath:instancePath+"/sidecar/admin",schemaPath:"#/$defs/Port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema51,data:data10};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
}
}
else {
const err26 = {instancePath:instancePath+"/sidecar",schemaPath:"#/properties/sidecar/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.properties.sidecar.type,parentSchema:schema35.properties.sidecar,data:data7};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data.observability !== undefined){
let data11 = data.observability;
if(data11 && typeof data11 == "object" && !Array.isArray(data11)){
for(const key3 in data11){
if(!((key3 === "accessLog") || (key3 === "tracing"))){
const err27 = {instancePath:instancePath+"/observability",schemaPath:"#/properties/observability/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema35.properties.observability,data:data11};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data11.accessLog !== undefined){
let data12 = data11.accessLog;
if(!((data12 === "json") || (data12 === "off"))){
const err28 = {instancePath:instancePath+"/observability/accessLog",schemaPath:"#/properties/observability/properties/accessLog/enum",keyword:"enum",params:{allowedValues: schema35.properties.observability.properties.accessLog.enum},message:"must be equal to one of the allowed values",schema:schema35.properties.observability.properties.accessLog.enum,parentSchema:schema35.properties.observability.properties.accessLog,data:data12};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data11.tracing !== undefined){
let data13 = data11.tracing;
if(data13 && typeof data13 == "object" && !Array.isArray(data13)){
for(const key4 in data13){
if(!((key4 === "sampling") || (key4 === "otlpEndpoint"))){
const err29 = {instancePath:instancePath+"/observability/tracing",schemaPath:"#/properties/observability/properties/tracing/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema35.properties.observability.properties.tracing,data:data13};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
if(data13.sampling !== undefined){
let data14 = data13.sampling;
if((typeof data14 == "number") && (isFinite(data14))){
if(data14 > 1 || isNaN(data14)){
const err30 = {instancePath:instancePath+"/observability/tracing/sampling",schemaPath:"#/properties/observability/properties/tracing/properties/sampling/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1},message:"must be <= 1",schema:1,parentSchema:schema35.properties.observability.properties.tracing.properties.sampling,data:data14};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
if(data14 < 0 || isNaN(data14)){
const err31 = {instancePath:instancePath+"/observability/tracing/sampling",schemaPath:"#/properties/observability/properties/tracing/properties/sampling/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema35.properties.observability.properties.tracing.properties.sampling,data:data14};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
else {
const err32 = {instancePath:instancePath+"/observability/tracing/sampling",schemaPath:"#/properties/observability/properties/tracing/properties/sampling/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema35.properties.observability.properties.tracing.properties.sampling.type,parentSchema:schema35.properties.observability.properties.tracing.properties.sampling,data:data14};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
if(data13.otlpEndpoint !== undefined){
let data15 = data13.otlpEndpoint;
if(typeof data15 !== "string"){
const err33 = {instancePath:instancePath+"/observability/tracing/otlpEndpoint",schemaPath:"#/properties/observability/properties/tracing/properties/otlpEndpoint/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.observability.properties.tracing.properties.otlpEndpoint.type,parentSchema:schema35.properties.observability.properties.tracing.properties.otlpEndpoint,data:data15};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
}
else {
const err34 = {instancePath:instancePath+"/observability/tracing",schemaPath:"#/properties/observability/properties/tracing/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.properties.observability.properties.tracing.type,parentSchema:schema35.properties.observability.properties.tracing,data:data13};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
}
else {
const err35 = {instancePath:instancePath+"/observability",schemaPath:"#/properties/observability/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.properties.observability.type,parentSchema:schema35.properties.observability,data:data11};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
}
else {
const err36 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.type,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
validate24.errors = vErrors;
return errors === 0;
}
validate24.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate65(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate65.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema32.required,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema32.required,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema32.required,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.spec === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'",schema:schema32.required,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "spec"))){
const err4 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if("meshc/v1" !== data0){
const err5 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "meshc/v1"},message:"must be equal to constant",schema:"meshc/v1",parentSchema:schema32.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if("Mesh" !== data1){
const err6 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "Mesh"},message:"must be equal to constant",schema:"Mesh",parentSchema:schema32.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.metadata !== undefined){
if(!(validate22(data.metadata, {instancePath:instancePath+"/metadata",parentData:data,parentDataProperty:"metadata",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
}
if(data.spec !== undefined){
if(!(validate24(data.spec, {instancePath:instancePath+"/spec",parentData:data,parentDataProperty:"spec",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate24.errors : vErrors.concat(validate24.errors);
errors = vErrors.length;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema32.type,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate65.errors = vErrors;
return errors === 0;
}
validate65.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

export const validateServiceDocument = validate68;
const schema54 = {"title":"ServiceDocument","description":"One service of the mesh: where it listens, its versions and endpoints, what it calls, how callers route to it and whom it admits.","type":"object","additionalProperties":false,"required":["apiVersion","kind","metadata","spec"],"properties":{"apiVersion":{"const":"meshc/v1","description":"API version of the document; meshc/v1 is the only one."},"kind":{"const":"Service","description":"Service: one per service."},"metadata":{"$ref":"#/$defs/Metadata"},"spec":{"$ref":"#/$defs/ServiceSpec"}}};
const schema55 = {"title":"ServiceSpec","type":"object","additionalProperties":false,"required":["port"],"properties":{"protocol":{"description":"Application protocol.","enum":["http","http2","grpc","tcp"],"default":"http"},"port":{"$ref":"#/$defs/Port","description":"Port the application listens on, on its own loopback."},"endpoints":{"$ref":"#/$defs/EndpointList","description":"Shorthand for a single version named `default`."},"versions":{"description":"Versions of the service, each with the sidecar inbound addresses of its instances.","type":"object","minProperties":1,"propertyNames":{"$ref":"#/$defs/DnsLabel"},"additionalProperties":{"$ref":"#/$defs/Version"}},"calls":{"description":"Services this one calls; only these go into its bundle.","type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/DnsLabel"}},"mtls":{"$ref":"#/$defs/MtlsMode","description":"Per-service mTLS mode; permissive only as a migration phase (defaults to the mesh's)."},"timeout":{"$ref":"#/$defs/Duration","description":"Request timeout for calls to this service."},"connectTimeout":{"$ref":"#/$defs/Duration","description":"TCP+TLS connect timeout to this service's endpoints."},"retries":{"$ref":"#/$defs/Retries"},"circuitBreaker":{"$ref":"#/$defs/CircuitBreaker"},"outlierDetection":{"$ref":"#/$defs/OutlierDetection"},"loadBalancer":{"$ref":"#/$defs/LoadBalancer"},"routes":{"description":"Routes used by every caller's proxy; first match wins. Without routes, every request goes to the single version (or an even split).","type":"array","items":{"$ref":"#/$defs/Route"}},"authorization":{"$ref":"#/$defs/Authorization"}},"oneOf":[{"required":["endpoints"],"not":{"required":["versions"]}},{"required":["versions"],"not":{"required":["endpoints"]}}],"description":"One service: how to reach its versions, whom it calls, and the policies of calls to it."};
const func4 = Object.prototype.hasOwnProperty;
const func0 = func0Module.default ?? func0Module;
const schema57 = {"description":"Addresses of the instances' sidecar inbound listeners: `ip:port`, `[ipv6]:port` or `dns:name:port` (resolved at run time, honouring TTLs).","type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/$defs/Endpoint"}};
const schema58 = {"type":"string","pattern":"^(dns:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*|(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|\\[[0-9a-fA-F:.]+\\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$","description":"A sidecar inbound address: an IP literal with port (10.0.0.7:15006, [::1]:15006) or dns:name:port, resolved with TTL refresh."};
const pattern17 = new RegExp("^(dns:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*|(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|\\[[0-9a-fA-F:.]+\\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$", "u");

function validate38(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate38.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(Array.isArray(data)){
if(data.length < 1){
const err0 = {instancePath,schemaPath:"#/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
const len0 = data.length;
for(let i0=0; i0<len0; i0++){
let data0 = data[i0];
if(typeof data0 === "string"){
if(!pattern17.test(data0)){
const err1 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/Endpoint/pattern",keyword:"pattern",params:{pattern: "^(dns:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*|(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|\\[[0-9a-fA-F:.]+\\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"},message:"must match pattern \""+"^(dns:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*|(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|\\[[0-9a-fA-F:.]+\\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"+"\"",schema:"^(dns:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*|(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|\\[[0-9a-fA-F:.]+\\]):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$",parentSchema:schema58,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/Endpoint/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.type,parentSchema:schema58,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
let i1 = data.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data[i1], data[j0])){
const err3 = {instancePath,schemaPath:"#/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err4 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema57.type,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
validate38.errors = vErrors;
return errors === 0;
}
validate38.evaluated = {"items":true,"dynamicProps":false,"dynamicItems":false};

const schema60 = {"title":"Version","type":"object","additionalProperties":false,"required":["endpoints"],"properties":{"endpoints":{"$ref":"#/$defs/EndpointList"},"labels":{"description":"Free-form labels of this version.","type":"object","additionalProperties":{"type":"string"}}},"description":"One deployed version of a service and where its sidecars listen."};

function validate40(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate40.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.endpoints === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "endpoints"},message:"must have required property '"+"endpoints"+"'",schema:schema60.required,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "endpoints") || (key0 === "labels"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.endpoints !== undefined){
if(!(validate38(data.endpoints, {instancePath:instancePath+"/endpoints",parentData:data,parentDataProperty:"endpoints",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate38.errors : vErrors.concat(validate38.errors);
errors = vErrors.length;
}
}
if(data.labels !== undefined){
let data1 = data.labels;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
for(const key1 in data1){
let data2 = data1[key1];
if(typeof data2 !== "string"){
const err2 = {instancePath:instancePath+"/labels/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema60.properties.labels.additionalProperties.type,parentSchema:schema60.properties.labels.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath:instancePath+"/labels",schemaPath:"#/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema60.properties.labels.type,parentSchema:schema60.properties.labels,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
else {
const err4 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema60.type,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
validate40.errors = vErrors;
return errors === 0;
}
validate40.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema66 = {"title":"Route","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"$ref":"#/$defs/DnsLabel","description":"Route name, unique within the service."},"match":{"$ref":"#/$defs/Match"},"backends":{"description":"Destination versions with weights (summing to 100); may be omitted when the service has one version.","type":"array","minItems":1,"items":{"$ref":"#/$defs/Backend"}},"timeout":{"$ref":"#/$defs/Duration","description":"Whole-request timeout of this route."},"retries":{"$ref":"#/$defs/Retries"},"fault":{"$ref":"#/$defs/Fault"},"headers":{"description":"Header mutations.","type":"object","additionalProperties":false,"properties":{"request":{"$ref":"#/$defs/HeaderMutation","description":"Applied to the request before it is sent upstream."},"response":{"$ref":"#/$defs/HeaderMutation","description":"Applied to the response before it reaches the caller."}}},"mirror":{"description":"Send a copy of a share of requests to a version; its responses are discarded.","type":"object","additionalProperties":false,"required":["version"],"properties":{"version":{"$ref":"#/$defs/DnsLabel","description":"Version that receives the copies."},"percent":{"$ref":"#/$defs/Percent","default":100,"description":"Share of requests mirrored, in percent."}}}},"description":"One route: the first route whose match holds decides the backends and the policies of a request."};
const schema77 = {"type":"number","minimum":0,"maximum":100,"description":"A percentage, 0 to 100."};
const schema68 = {"title":"Match","description":"Conditions a request must meet, all of them; an empty match matches everything.","type":"object","additionalProperties":false,"properties":{"path":{"description":"Path match (the normalised path, without the query).","type":"object","additionalProperties":false,"minProperties":1,"maxProperties":1,"properties":{"exact":{"type":"string","pattern":"^/","description":"The normalised path equals this."},"prefix":{"type":"string","pattern":"^/","description":"The normalised path starts with this (a string prefix: /api matches /api2; write /api/ for a segment)."},"regex":{"type":"string","minLength":1,"description":"The whole normalised path matches this regular expression (RE2-safe subset)."}}},"headers":{"description":"Header matches by name.","type":"object","propertyNames":{"$ref":"#/$defs/HeaderName"},"additionalProperties":{"$ref":"#/$defs/StringMatch"}},"query":{"description":"Query parameter matches by name.","type":"object","propertyNames":{"minLength":1},"additionalProperties":{"$ref":"#/$defs/StringMatch"}},"method":{"$ref":"#/$defs/Method"}}};
const schema70 = {"title":"StringMatch","description":"One of exact, prefix, regex or present.","type":"object","additionalProperties":false,"minProperties":1,"maxProperties":1,"properties":{"exact":{"type":"string","description":"The value equals this."},"prefix":{"type":"string","minLength":1,"description":"The value starts with this."},"regex":{"type":"string","minLength":1,"description":"The whole value matches this regular expression (RE2-safe subset)."},"present":{"type":"boolean","description":"true: the header or parameter is present (any value); false: it is absent."}}};
const schema72 = {"enum":["GET","HEAD","POST","PUT","DELETE","PATCH","OPTIONS","TRACE","CONNECT"],"description":"An HTTP method."};
const pattern23 = new RegExp("^/", "u");

function validate47(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate47.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((key0 === "path") || (key0 === "headers")) || (key0 === "query")) || (key0 === "method"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema68,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.path !== undefined){
let data0 = data.path;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
if(Object.keys(data0).length > 1){
const err1 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema68.properties.path,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(Object.keys(data0).length < 1){
const err2 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema68.properties.path,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key1 in data0){
if(!(((key1 === "exact") || (key1 === "prefix")) || (key1 === "regex"))){
const err3 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema68.properties.path,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data0.exact !== undefined){
let data1 = data0.exact;
if(typeof data1 === "string"){
if(!pattern23.test(data1)){
const err4 = {instancePath:instancePath+"/path/exact",schemaPath:"#/properties/path/properties/exact/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\"",schema:"^/",parentSchema:schema68.properties.path.properties.exact,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/path/exact",schemaPath:"#/properties/path/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema68.properties.path.properties.exact.type,parentSchema:schema68.properties.path.properties.exact,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data0.prefix !== undefined){
let data2 = data0.prefix;
if(typeof data2 === "string"){
if(!pattern23.test(data2)){
const err6 = {instancePath:instancePath+"/path/prefix",schemaPath:"#/properties/path/properties/prefix/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\"",schema:"^/",parentSchema:schema68.properties.path.properties.prefix,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/path/prefix",schemaPath:"#/properties/path/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema68.properties.path.properties.prefix.type,parentSchema:schema68.properties.path.properties.prefix,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data0.regex !== undefined){
let data3 = data0.regex;
if(typeof data3 === "string"){
if(func1(data3) < 1){
const err8 = {instancePath:instancePath+"/path/regex",schemaPath:"#/properties/path/properties/regex/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema68.properties.path.properties.regex,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/path/regex",schemaPath:"#/properties/path/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema68.properties.path.properties.regex.type,parentSchema:schema68.properties.path.properties.regex,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema68.properties.path.type,parentSchema:schema68.properties.path,data:data0};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.headers !== undefined){
let data4 = data.headers;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
for(const key2 in data4){
const _errs13 = errors;
if(typeof key2 === "string"){
if(!pattern16.test(key2)){
const err11 = {instancePath:instancePath+"/headers",schemaPath:"#/$defs/HeaderName/pattern",keyword:"pattern",params:{pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},message:"must match pattern \""+"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"+"\"",schema:"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",parentSchema:schema50,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/headers",schemaPath:"#/$defs/HeaderName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.type,parentSchema:schema50,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var valid2 = _errs13 === errors;
if(!valid2){
const err13 = {instancePath:instancePath+"/headers",schemaPath:"#/properties/headers/propertyNames",keyword:"propertyNames",params:{propertyName: key2},message:"property name must be valid",schema:schema68.properties.headers.propertyNames,parentSchema:schema68.properties.headers,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
for(const key3 in data4){
let data5 = data4[key3];
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(Object.keys(data5).length > 1){
const err14 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema70,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(Object.keys(data5).length < 1){
const err15 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema70,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
for(const key4 in data5){
if(!((((key4 === "exact") || (key4 === "prefix")) || (key4 === "regex")) || (key4 === "present"))){
const err16 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema70,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data5.exact !== undefined){
let data6 = data5.exact;
if(typeof data6 !== "string"){
const err17 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/$defs/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema70.properties.exact.type,parentSchema:schema70.properties.exact,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data5.prefix !== undefined){
let data7 = data5.prefix;
if(typeof data7 === "string"){
if(func1(data7) < 1){
const err18 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/$defs/StringMatch/properties/prefix/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema70.properties.prefix,data:data7};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/$defs/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema70.properties.prefix.type,parentSchema:schema70.properties.prefix,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data5.regex !== undefined){
let data8 = data5.regex;
if(typeof data8 === "string"){
if(func1(data8) < 1){
const err20 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/$defs/StringMatch/properties/regex/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema70.properties.regex,data:data8};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
else {
const err21 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/$defs/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema70.properties.regex.type,parentSchema:schema70.properties.regex,data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data5.present !== undefined){
let data9 = data5.present;
if(typeof data9 !== "boolean"){
const err22 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1")+"/present",schemaPath:"#/$defs/StringMatch/properties/present/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema70.properties.present.type,parentSchema:schema70.properties.present,data:data9};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
}
else {
const err23 = {instancePath:instancePath+"/headers/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema70.type,parentSchema:schema70,data:data5};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
else {
const err24 = {instancePath:instancePath+"/headers",schemaPath:"#/properties/headers/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema68.properties.headers.type,parentSchema:schema68.properties.headers,data:data4};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data.query !== undefined){
let data10 = data.query;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
for(const key5 in data10){
const _errs31 = errors;
if(typeof key5 === "string"){
if(func1(key5) < 1){
const err25 = {instancePath:instancePath+"/query",schemaPath:"#/properties/query/propertyNames/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema68.properties.query.propertyNames,data:key5,propertyName:key5};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
var valid7 = _errs31 === errors;
if(!valid7){
const err26 = {instancePath:instancePath+"/query",schemaPath:"#/properties/query/propertyNames",keyword:"propertyNames",params:{propertyName: key5},message:"property name must be valid",schema:schema68.properties.query.propertyNames,parentSchema:schema68.properties.query,data:data10};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
for(const key6 in data10){
let data11 = data10[key6];
if(data11 && typeof data11 == "object" && !Array.isArray(data11)){
if(Object.keys(data11).length > 1){
const err27 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema70,data:data11};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
if(Object.keys(data11).length < 1){
const err28 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema70,data:data11};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
for(const key7 in data11){
if(!((((key7 === "exact") || (key7 === "prefix")) || (key7 === "regex")) || (key7 === "present"))){
const err29 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties",schema:false,parentSchema:schema70,data:data11};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
if(data11.exact !== undefined){
let data12 = data11.exact;
if(typeof data12 !== "string"){
const err30 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/$defs/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema70.properties.exact.type,parentSchema:schema70.properties.exact,data:data12};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
if(data11.prefix !== undefined){
let data13 = data11.prefix;
if(typeof data13 === "string"){
if(func1(data13) < 1){
const err31 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/$defs/StringMatch/properties/prefix/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema70.properties.prefix,data:data13};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
else {
const err32 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/$defs/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema70.properties.prefix.type,parentSchema:schema70.properties.prefix,data:data13};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
if(data11.regex !== undefined){
let data14 = data11.regex;
if(typeof data14 === "string"){
if(func1(data14) < 1){
const err33 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/$defs/StringMatch/properties/regex/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema70.properties.regex,data:data14};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
else {
const err34 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/$defs/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema70.properties.regex.type,parentSchema:schema70.properties.regex,data:data14};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data11.present !== undefined){
let data15 = data11.present;
if(typeof data15 !== "boolean"){
const err35 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1")+"/present",schemaPath:"#/$defs/StringMatch/properties/present/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema70.properties.present.type,parentSchema:schema70.properties.present,data:data15};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
}
else {
const err36 = {instancePath:instancePath+"/query/" + key6.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema70.type,parentSchema:schema70,data:data11};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
}
else {
const err37 = {instancePath:instancePath+"/query",schemaPath:"#/properties/query/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema68.properties.query.type,parentSchema:schema68.properties.query,data:data10};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
if(data.method !== undefined){
let data16 = data.method;
if(!(((((((((data16 === "GET") || (data16 === "HEAD")) || (data16 === "POST")) || (data16 === "PUT")) || (data16 === "DELETE")) || (data16 === "PATCH")) || (data16 === "OPTIONS")) || (data16 === "TRACE")) || (data16 === "CONNECT"))){
const err38 = {instancePath:instancePath+"/method",schemaPath:"#/$defs/Method/enum",keyword:"enum",params:{allowedValues: schema72.enum},message:"must be equal to one of the allowed values",schema:schema72.enum,parentSchema:schema72,data:data16};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
}
else {
const err39 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema68.type,parentSchema:schema68,data};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
validate47.errors = vErrors;
return errors === 0;
}
validate47.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema73 = {"title":"Backend","type":"object","additionalProperties":false,"required":["version"],"properties":{"version":{"$ref":"#/$defs/DnsLabel","description":"Destination version."},"weight":{"description":"Share of traffic in percent; may be omitted for a single backend.","type":"integer","minimum":0,"maximum":100}},"description":"A version and its share of the route's traffic."};

function validate49(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate49.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.version === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "version"},message:"must have required property '"+"version"+"'",schema:schema73.required,parentSchema:schema73,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "version") || (key0 === "weight"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema73,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.version !== undefined){
let data0 = data.version;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err2 = {instancePath:instancePath+"/version",schemaPath:"#/$defs/DnsLabel/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema34,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/version",schemaPath:"#/$defs/DnsLabel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.type,parentSchema:schema34,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.weight !== undefined){
let data1 = data.weight;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err4 = {instancePath:instancePath+"/weight",schemaPath:"#/properties/weight/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema73.properties.weight.type,parentSchema:schema73.properties.weight,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 100 || isNaN(data1)){
const err5 = {instancePath:instancePath+"/weight",schemaPath:"#/properties/weight/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema73.properties.weight,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data1 < 0 || isNaN(data1)){
const err6 = {instancePath:instancePath+"/weight",schemaPath:"#/properties/weight/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema73.properties.weight,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema73.type,parentSchema:schema73,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate49.errors = vErrors;
return errors === 0;
}
validate49.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema76 = {"title":"Fault","description":"Fault injection, for testing resilience.","type":"object","additionalProperties":false,"minProperties":1,"properties":{"delay":{"type":"object","additionalProperties":false,"required":["percent","duration"],"properties":{"percent":{"$ref":"#/$defs/Percent","description":"Share of requests delayed, in percent."},"duration":{"$ref":"#/$defs/Duration","description":"How long to delay."}},"description":"Delay a share of requests before forwarding them."},"abort":{"type":"object","additionalProperties":false,"required":["percent","status"],"properties":{"percent":{"$ref":"#/$defs/Percent","description":"Share of requests aborted, in percent."},"status":{"type":"integer","minimum":200,"maximum":599,"description":"HTTP status returned."}},"description":"Answer a share of requests with an error status instead of forwarding them."}}};

function validate52(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate52.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(Object.keys(data).length < 1){
const err0 = {instancePath,schemaPath:"#/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "delay") || (key0 === "abort"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.delay !== undefined){
let data0 = data.delay;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
if(data0.percent === undefined){
const err2 = {instancePath:instancePath+"/delay",schemaPath:"#/properties/delay/required",keyword:"required",params:{missingProperty: "percent"},message:"must have required property '"+"percent"+"'",schema:schema76.properties.delay.required,parentSchema:schema76.properties.delay,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data0.duration === undefined){
const err3 = {instancePath:instancePath+"/delay",schemaPath:"#/properties/delay/required",keyword:"required",params:{missingProperty: "duration"},message:"must have required property '"+"duration"+"'",schema:schema76.properties.delay.required,parentSchema:schema76.properties.delay,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key1 in data0){
if(!((key1 === "percent") || (key1 === "duration"))){
const err4 = {instancePath:instancePath+"/delay",schemaPath:"#/properties/delay/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema76.properties.delay,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data0.percent !== undefined){
let data1 = data0.percent;
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 100 || isNaN(data1)){
const err5 = {instancePath:instancePath+"/delay/percent",schemaPath:"#/$defs/Percent/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema77,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data1 < 0 || isNaN(data1)){
const err6 = {instancePath:instancePath+"/delay/percent",schemaPath:"#/$defs/Percent/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema77,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/delay/percent",schemaPath:"#/$defs/Percent/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema77.type,parentSchema:schema77,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data0.duration !== undefined){
let data2 = data0.duration;
if(typeof data2 === "string"){
if(!pattern7.test(data2)){
const err8 = {instancePath:instancePath+"/delay/duration",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/delay/duration",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath:instancePath+"/delay",schemaPath:"#/properties/delay/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema76.properties.delay.type,parentSchema:schema76.properties.delay,data:data0};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.abort !== undefined){
let data3 = data.abort;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(data3.percent === undefined){
const err11 = {instancePath:instancePath+"/abort",schemaPath:"#/properties/abort/required",keyword:"required",params:{missingProperty: "percent"},message:"must have required property '"+"percent"+"'",schema:schema76.properties.abort.required,parentSchema:schema76.properties.abort,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(data3.status === undefined){
const err12 = {instancePath:instancePath+"/abort",schemaPath:"#/properties/abort/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'",schema:schema76.properties.abort.required,parentSchema:schema76.properties.abort,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
for(const key2 in data3){
if(!((key2 === "percent") || (key2 === "status"))){
const err13 = {instancePath:instancePath+"/abort",schemaPath:"#/properties/abort/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema76.properties.abort,data:data3};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data3.percent !== undefined){
let data4 = data3.percent;
if((typeof data4 == "number") && (isFinite(data4))){
if(data4 > 100 || isNaN(data4)){
const err14 = {instancePath:instancePath+"/abort/percent",schemaPath:"#/$defs/Percent/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema77,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(data4 < 0 || isNaN(data4)){
const err15 = {instancePath:instancePath+"/abort/percent",schemaPath:"#/$defs/Percent/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema77,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/abort/percent",schemaPath:"#/$defs/Percent/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema77.type,parentSchema:schema77,data:data4};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data3.status !== undefined){
let data5 = data3.status;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err17 = {instancePath:instancePath+"/abort/status",schemaPath:"#/properties/abort/properties/status/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema76.properties.abort.properties.status.type,parentSchema:schema76.properties.abort.properties.status,data:data5};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 599 || isNaN(data5)){
const err18 = {instancePath:instancePath+"/abort/status",schemaPath:"#/properties/abort/properties/status/maximum",keyword:"maximum",params:{comparison: "<=", limit: 599},message:"must be <= 599",schema:599,parentSchema:schema76.properties.abort.properties.status,data:data5};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(data5 < 200 || isNaN(data5)){
const err19 = {instancePath:instancePath+"/abort/status",schemaPath:"#/properties/abort/properties/status/minimum",keyword:"minimum",params:{comparison: ">=", limit: 200},message:"must be >= 200",schema:200,parentSchema:schema76.properties.abort.properties.status,data:data5};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
}
else {
const err20 = {instancePath:instancePath+"/abort",schemaPath:"#/properties/abort/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema76.properties.abort.type,parentSchema:schema76.properties.abort,data:data3};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema76.type,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
validate52.errors = vErrors;
return errors === 0;
}
validate52.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema80 = {"title":"HeaderMutation","type":"object","additionalProperties":false,"properties":{"set":{"description":"Headers set, replacing any value.","type":"object","propertyNames":{"$ref":"#/$defs/HeaderName"},"additionalProperties":{"$ref":"#/$defs/HeaderValue"}},"add":{"description":"Headers appended.","type":"object","propertyNames":{"$ref":"#/$defs/HeaderName"},"additionalProperties":{"$ref":"#/$defs/HeaderValue"}},"remove":{"description":"Headers removed.","type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/HeaderName"}}},"description":"Headers to set (replace), add (append) or remove, in the order remove, set, add."};
const schema82 = {"type":"string","pattern":"^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$","description":"An HTTP header value (an RFC 9110 field value) as the proxy can send it: printable ASCII, space, tab and Latin-1 characters; no CR, LF, NUL or other control character."};
const pattern30 = new RegExp("^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$", "u");

function validate54(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate54.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((key0 === "set") || (key0 === "add")) || (key0 === "remove"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema80,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.set !== undefined){
let data0 = data.set;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
for(const key1 in data0){
const _errs4 = errors;
if(typeof key1 === "string"){
if(!pattern16.test(key1)){
const err1 = {instancePath:instancePath+"/set",schemaPath:"#/$defs/HeaderName/pattern",keyword:"pattern",params:{pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},message:"must match pattern \""+"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"+"\"",schema:"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",parentSchema:schema50,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/set",schemaPath:"#/$defs/HeaderName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.type,parentSchema:schema50,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
var valid1 = _errs4 === errors;
if(!valid1){
const err3 = {instancePath:instancePath+"/set",schemaPath:"#/properties/set/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema80.properties.set.propertyNames,parentSchema:schema80.properties.set,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
for(const key2 in data0){
let data1 = data0[key2];
if(typeof data1 === "string"){
if(!pattern30.test(data1)){
const err4 = {instancePath:instancePath+"/set/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/HeaderValue/pattern",keyword:"pattern",params:{pattern: "^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$"},message:"must match pattern \""+"^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$"+"\"",schema:"^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$",parentSchema:schema82,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/set/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/HeaderValue/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema82.type,parentSchema:schema82,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/set",schemaPath:"#/properties/set/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema80.properties.set.type,parentSchema:schema80.properties.set,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.add !== undefined){
let data2 = data.add;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key3 in data2){
const _errs13 = errors;
if(typeof key3 === "string"){
if(!pattern16.test(key3)){
const err7 = {instancePath:instancePath+"/add",schemaPath:"#/$defs/HeaderName/pattern",keyword:"pattern",params:{pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},message:"must match pattern \""+"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"+"\"",schema:"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",parentSchema:schema50,data:key3,propertyName:key3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/add",schemaPath:"#/$defs/HeaderName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.type,parentSchema:schema50,data:key3,propertyName:key3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var valid5 = _errs13 === errors;
if(!valid5){
const err9 = {instancePath:instancePath+"/add",schemaPath:"#/properties/add/propertyNames",keyword:"propertyNames",params:{propertyName: key3},message:"property name must be valid",schema:schema80.properties.add.propertyNames,parentSchema:schema80.properties.add,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
for(const key4 in data2){
let data3 = data2[key4];
if(typeof data3 === "string"){
if(!pattern30.test(data3)){
const err10 = {instancePath:instancePath+"/add/" + key4.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/HeaderValue/pattern",keyword:"pattern",params:{pattern: "^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$"},message:"must match pattern \""+"^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$"+"\"",schema:"^[\\t\\u0020-\\u007e\\u0080-\\u00ff]*$",parentSchema:schema82,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/add/" + key4.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/HeaderValue/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema82.type,parentSchema:schema82,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath:instancePath+"/add",schemaPath:"#/properties/add/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema80.properties.add.type,parentSchema:schema80.properties.add,data:data2};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.remove !== undefined){
let data4 = data.remove;
if(Array.isArray(data4)){
const len0 = data4.length;
for(let i0=0; i0<len0; i0++){
let data5 = data4[i0];
if(typeof data5 === "string"){
if(!pattern16.test(data5)){
const err13 = {instancePath:instancePath+"/remove/" + i0,schemaPath:"#/$defs/HeaderName/pattern",keyword:"pattern",params:{pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},message:"must match pattern \""+"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"+"\"",schema:"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",parentSchema:schema50,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/remove/" + i0,schemaPath:"#/$defs/HeaderName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.type,parentSchema:schema50,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
let i1 = data4.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data4[i1], data4[j0])){
const err15 = {instancePath:instancePath+"/remove",schemaPath:"#/properties/remove/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema80.properties.remove,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err16 = {instancePath:instancePath+"/remove",schemaPath:"#/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema80.properties.remove.type,parentSchema:schema80.properties.remove,data:data4};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema80.type,parentSchema:schema80,data};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
validate54.errors = vErrors;
return errors === 0;
}
validate54.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate46(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate46.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema66.required,parentSchema:schema66,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((((((key0 === "name") || (key0 === "match")) || (key0 === "backends")) || (key0 === "timeout")) || (key0 === "retries")) || (key0 === "fault")) || (key0 === "headers")) || (key0 === "mirror"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema66,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/DnsLabel/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema34,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/DnsLabel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.type,parentSchema:schema34,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.match !== undefined){
if(!(validate47(data.match, {instancePath:instancePath+"/match",parentData:data,parentDataProperty:"match",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate47.errors : vErrors.concat(validate47.errors);
errors = vErrors.length;
}
}
if(data.backends !== undefined){
let data2 = data.backends;
if(Array.isArray(data2)){
if(data2.length < 1){
const err4 = {instancePath:instancePath+"/backends",schemaPath:"#/properties/backends/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema66.properties.backends,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
const len0 = data2.length;
for(let i0=0; i0<len0; i0++){
if(!(validate49(data2[i0], {instancePath:instancePath+"/backends/" + i0,parentData:data2,parentDataProperty:i0,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate49.errors : vErrors.concat(validate49.errors);
errors = vErrors.length;
}
}
}
else {
const err5 = {instancePath:instancePath+"/backends",schemaPath:"#/properties/backends/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema66.properties.backends.type,parentSchema:schema66.properties.backends,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.timeout !== undefined){
let data4 = data.timeout;
if(typeof data4 === "string"){
if(!pattern7.test(data4)){
const err6 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data4};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data4};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.retries !== undefined){
if(!(validate26(data.retries, {instancePath:instancePath+"/retries",parentData:data,parentDataProperty:"retries",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.fault !== undefined){
if(!(validate52(data.fault, {instancePath:instancePath+"/fault",parentData:data,parentDataProperty:"fault",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate52.errors : vErrors.concat(validate52.errors);
errors = vErrors.length;
}
}
if(data.headers !== undefined){
let data7 = data.headers;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
for(const key1 in data7){
if(!((key1 === "request") || (key1 === "response"))){
const err8 = {instancePath:instancePath+"/headers",schemaPath:"#/properties/headers/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema66.properties.headers,data:data7};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data7.request !== undefined){
if(!(validate54(data7.request, {instancePath:instancePath+"/headers/request",parentData:data7,parentDataProperty:"request",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate54.errors : vErrors.concat(validate54.errors);
errors = vErrors.length;
}
}
if(data7.response !== undefined){
if(!(validate54(data7.response, {instancePath:instancePath+"/headers/response",parentData:data7,parentDataProperty:"response",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate54.errors : vErrors.concat(validate54.errors);
errors = vErrors.length;
}
}
}
else {
const err9 = {instancePath:instancePath+"/headers",schemaPath:"#/properties/headers/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema66.properties.headers.type,parentSchema:schema66.properties.headers,data:data7};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.mirror !== undefined){
let data10 = data.mirror;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
if(data10.version === undefined){
const err10 = {instancePath:instancePath+"/mirror",schemaPath:"#/properties/mirror/required",keyword:"required",params:{missingProperty: "version"},message:"must have required property '"+"version"+"'",schema:schema66.properties.mirror.required,parentSchema:schema66.properties.mirror,data:data10};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
for(const key2 in data10){
if(!((key2 === "version") || (key2 === "percent"))){
const err11 = {instancePath:instancePath+"/mirror",schemaPath:"#/properties/mirror/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema66.properties.mirror,data:data10};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data10.version !== undefined){
let data11 = data10.version;
if(typeof data11 === "string"){
if(!pattern4.test(data11)){
const err12 = {instancePath:instancePath+"/mirror/version",schemaPath:"#/$defs/DnsLabel/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema34,data:data11};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/mirror/version",schemaPath:"#/$defs/DnsLabel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.type,parentSchema:schema34,data:data11};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data10.percent !== undefined){
let data12 = data10.percent;
if((typeof data12 == "number") && (isFinite(data12))){
if(data12 > 100 || isNaN(data12)){
const err14 = {instancePath:instancePath+"/mirror/percent",schemaPath:"#/$defs/Percent/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema77,data:data12};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(data12 < 0 || isNaN(data12)){
const err15 = {instancePath:instancePath+"/mirror/percent",schemaPath:"#/$defs/Percent/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema77,data:data12};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/mirror/percent",schemaPath:"#/$defs/Percent/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema77.type,parentSchema:schema77,data:data12};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/mirror",schemaPath:"#/properties/mirror/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema66.properties.mirror.type,parentSchema:schema66.properties.mirror,data:data10};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
}
else {
const err18 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema66.type,parentSchema:schema66,data};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
validate46.errors = vErrors;
return errors === 0;
}
validate46.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema88 = {"title":"Authorization","description":"Enforced by this service's own inbound proxy; the first allow rule that matches admits.","type":"object","additionalProperties":false,"properties":{"default":{"description":"Decision when no rule matches.","enum":["deny","allow"],"default":"deny"},"allow":{"type":"array","items":{"$ref":"#/$defs/AuthzRule"},"description":"Allow rules, in order."}}};
const schema89 = {"title":"AuthzRule","type":"object","additionalProperties":false,"required":["from"],"properties":{"from":{"description":"Caller services; \"*\" admits any mesh identity.","type":"array","minItems":1,"uniqueItems":true,"items":{"anyOf":[{"const":"*"},{"$ref":"#/$defs/DnsLabel"}]}},"methods":{"description":"Methods admitted (all when omitted).","type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/$defs/Method"}},"paths":{"description":"Paths admitted (all when omitted): exact, or a prefix ending in `*`.","type":"array","minItems":1,"uniqueItems":true,"items":{"type":"string","pattern":"^/[^*]*\\*?$"}}},"description":"Admits callers by identity, and optionally only some methods and paths."};
const pattern36 = new RegExp("^/[^*]*\\*?$", "u");

function validate59(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate59.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.from === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "from"},message:"must have required property '"+"from"+"'",schema:schema89.required,parentSchema:schema89,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "from") || (key0 === "methods")) || (key0 === "paths"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema89,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.from !== undefined){
let data0 = data.from;
if(Array.isArray(data0)){
if(data0.length < 1){
const err2 = {instancePath:instancePath+"/from",schemaPath:"#/properties/from/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema89.properties.from,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
const _errs5 = errors;
let valid3 = false;
const _errs6 = errors;
if("*" !== data1){
const err3 = {instancePath:instancePath+"/from/" + i0,schemaPath:"#/properties/from/items/anyOf/0/const",keyword:"const",params:{allowedValue: "*"},message:"must be equal to constant",schema:"*",parentSchema:schema89.properties.from.items.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var _valid0 = _errs6 === errors;
valid3 = valid3 || _valid0;
const _errs7 = errors;
if(typeof data1 === "string"){
if(!pattern4.test(data1)){
const err4 = {instancePath:instancePath+"/from/" + i0,schemaPath:"#/$defs/DnsLabel/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema34,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/from/" + i0,schemaPath:"#/$defs/DnsLabel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.type,parentSchema:schema34,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
var _valid0 = _errs7 === errors;
valid3 = valid3 || _valid0;
if(!valid3){
const err6 = {instancePath:instancePath+"/from/" + i0,schemaPath:"#/properties/from/items/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema89.properties.from.items.anyOf,parentSchema:schema89.properties.from.items,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
else {
errors = _errs5;
if(vErrors !== null){
if(_errs5){
vErrors.length = _errs5;
}
else {
vErrors = null;
}
}
}
}
let i1 = data0.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data0[i1], data0[j0])){
const err7 = {instancePath:instancePath+"/from",schemaPath:"#/properties/from/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema89.properties.from,data:data0};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err8 = {instancePath:instancePath+"/from",schemaPath:"#/properties/from/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema89.properties.from.type,parentSchema:schema89.properties.from,data:data0};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.methods !== undefined){
let data2 = data.methods;
if(Array.isArray(data2)){
if(data2.length < 1){
const err9 = {instancePath:instancePath+"/methods",schemaPath:"#/properties/methods/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema89.properties.methods,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
const len1 = data2.length;
for(let i2=0; i2<len1; i2++){
let data3 = data2[i2];
if(!(((((((((data3 === "GET") || (data3 === "HEAD")) || (data3 === "POST")) || (data3 === "PUT")) || (data3 === "DELETE")) || (data3 === "PATCH")) || (data3 === "OPTIONS")) || (data3 === "TRACE")) || (data3 === "CONNECT"))){
const err10 = {instancePath:instancePath+"/methods/" + i2,schemaPath:"#/$defs/Method/enum",keyword:"enum",params:{allowedValues: schema72.enum},message:"must be equal to one of the allowed values",schema:schema72.enum,parentSchema:schema72,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
let i3 = data2.length;
let j1;
if(i3 > 1){
outer1:
for(;i3--;){
for(j1 = i3; j1--;){
if(func0(data2[i3], data2[j1])){
const err11 = {instancePath:instancePath+"/methods",schemaPath:"#/properties/methods/uniqueItems",keyword:"uniqueItems",params:{i: i3, j: j1},message:"must NOT have duplicate items (items ## "+j1+" and "+i3+" are identical)",schema:true,parentSchema:schema89.properties.methods,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
break outer1;
}
}
}
}
}
else {
const err12 = {instancePath:instancePath+"/methods",schemaPath:"#/properties/methods/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema89.properties.methods.type,parentSchema:schema89.properties.methods,data:data2};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.paths !== undefined){
let data4 = data.paths;
if(Array.isArray(data4)){
if(data4.length < 1){
const err13 = {instancePath:instancePath+"/paths",schemaPath:"#/properties/paths/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema89.properties.paths,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
const len2 = data4.length;
for(let i4=0; i4<len2; i4++){
let data5 = data4[i4];
if(typeof data5 === "string"){
if(!pattern36.test(data5)){
const err14 = {instancePath:instancePath+"/paths/" + i4,schemaPath:"#/properties/paths/items/pattern",keyword:"pattern",params:{pattern: "^/[^*]*\\*?$"},message:"must match pattern \""+"^/[^*]*\\*?$"+"\"",schema:"^/[^*]*\\*?$",parentSchema:schema89.properties.paths.items,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/paths/" + i4,schemaPath:"#/properties/paths/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema89.properties.paths.items.type,parentSchema:schema89.properties.paths.items,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
let i5 = data4.length;
let j2;
if(i5 > 1){
const indices0 = {};
for(;i5--;){
let item0 = data4[i5];
if(typeof item0 !== "string"){
continue;
}
if(typeof indices0[item0] == "number"){
j2 = indices0[item0];
const err16 = {instancePath:instancePath+"/paths",schemaPath:"#/properties/paths/uniqueItems",keyword:"uniqueItems",params:{i: i5, j: j2},message:"must NOT have duplicate items (items ## "+j2+" and "+i5+" are identical)",schema:true,parentSchema:schema89.properties.paths,data:data4};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
break;
}
indices0[item0] = i5;
}
}
}
else {
const err17 = {instancePath:instancePath+"/paths",schemaPath:"#/properties/paths/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema89.properties.paths.type,parentSchema:schema89.properties.paths,data:data4};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
}
else {
const err18 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema89.type,parentSchema:schema89,data};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
validate59.errors = vErrors;
return errors === 0;
}
validate59.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate58(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate58.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "default") || (key0 === "allow"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema88,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.default !== undefined){
let data0 = data.default;
if(!((data0 === "deny") || (data0 === "allow"))){
const err1 = {instancePath:instancePath+"/default",schemaPath:"#/properties/default/enum",keyword:"enum",params:{allowedValues: schema88.properties.default.enum},message:"must be equal to one of the allowed values",schema:schema88.properties.default.enum,parentSchema:schema88.properties.default,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.allow !== undefined){
let data1 = data.allow;
if(Array.isArray(data1)){
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
if(!(validate59(data1[i0], {instancePath:instancePath+"/allow/" + i0,parentData:data1,parentDataProperty:i0,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate59.errors : vErrors.concat(validate59.errors);
errors = vErrors.length;
}
}
}
else {
const err2 = {instancePath:instancePath+"/allow",schemaPath:"#/properties/allow/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema88.properties.allow.type,parentSchema:schema88.properties.allow,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
else {
const err3 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema88.type,parentSchema:schema88,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
validate58.errors = vErrors;
return errors === 0;
}
validate58.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate37(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate37.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs1 = errors;
let valid0 = false;
let passing0 = null;
const _errs2 = errors;
const _errs3 = errors;
const _errs4 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((data.versions === undefined) && (missing0 = "versions")){
const err0 = {};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
var valid1 = _errs4 === errors;
if(valid1){
const err1 = {instancePath,schemaPath:"#/oneOf/0/not",keyword:"not",params:{},message:"must NOT be valid",schema:schema55.oneOf[0].not,parentSchema:schema55.oneOf[0],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
else {
errors = _errs3;
if(vErrors !== null){
if(_errs3){
vErrors.length = _errs3;
}
else {
vErrors = null;
}
}
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.endpoints === undefined){
const err2 = {instancePath,schemaPath:"#/oneOf/0/required",keyword:"required",params:{missingProperty: "endpoints"},message:"must have required property '"+"endpoints"+"'",schema:schema55.oneOf[0].required,parentSchema:schema55.oneOf[0],data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
var _valid0 = _errs2 === errors;
if(_valid0){
valid0 = true;
passing0 = 0;
}
const _errs5 = errors;
const _errs6 = errors;
const _errs7 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
let missing1;
if((data.endpoints === undefined) && (missing1 = "endpoints")){
const err3 = {};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
var valid2 = _errs7 === errors;
if(valid2){
const err4 = {instancePath,schemaPath:"#/oneOf/1/not",keyword:"not",params:{},message:"must NOT be valid",schema:schema55.oneOf[1].not,parentSchema:schema55.oneOf[1],data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
else {
errors = _errs6;
if(vErrors !== null){
if(_errs6){
vErrors.length = _errs6;
}
else {
vErrors = null;
}
}
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.versions === undefined){
const err5 = {instancePath,schemaPath:"#/oneOf/1/required",keyword:"required",params:{missingProperty: "versions"},message:"must have required property '"+"versions"+"'",schema:schema55.oneOf[1].required,parentSchema:schema55.oneOf[1],data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
var _valid0 = _errs5 === errors;
if(_valid0 && valid0){
valid0 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid0 = true;
passing0 = 1;
}
}
if(!valid0){
const err6 = {instancePath,schemaPath:"#/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema55.oneOf,parentSchema:schema55,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
else {
errors = _errs1;
if(vErrors !== null){
if(_errs1){
vErrors.length = _errs1;
}
else {
vErrors = null;
}
}
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.port === undefined){
const err7 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "port"},message:"must have required property '"+"port"+"'",schema:schema55.required,parentSchema:schema55,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
for(const key0 in data){
if(!(func4.call(schema55.properties, key0))){
const err8 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema55,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.protocol !== undefined){
let data0 = data.protocol;
if(!((((data0 === "http") || (data0 === "http2")) || (data0 === "grpc")) || (data0 === "tcp"))){
const err9 = {instancePath:instancePath+"/protocol",schemaPath:"#/properties/protocol/enum",keyword:"enum",params:{allowedValues: schema55.properties.protocol.enum},message:"must be equal to one of the allowed values",schema:schema55.properties.protocol.enum,parentSchema:schema55.properties.protocol,data:data0};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.port !== undefined){
let data1 = data.port;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err10 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/Port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema51.type,parentSchema:schema51,data:data1};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 65535 || isNaN(data1)){
const err11 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/Port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema51,data:data1};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(data1 < 1 || isNaN(data1)){
const err12 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/Port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema51,data:data1};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
if(data.endpoints !== undefined){
if(!(validate38(data.endpoints, {instancePath:instancePath+"/endpoints",parentData:data,parentDataProperty:"endpoints",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate38.errors : vErrors.concat(validate38.errors);
errors = vErrors.length;
}
}
if(data.versions !== undefined){
let data3 = data.versions;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(Object.keys(data3).length < 1){
const err13 = {instancePath:instancePath+"/versions",schemaPath:"#/properties/versions/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema55.properties.versions,data:data3};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
for(const key1 in data3){
const _errs16 = errors;
if(typeof key1 === "string"){
if(!pattern4.test(key1)){
const err14 = {instancePath:instancePath+"/versions",schemaPath:"#/$defs/DnsLabel/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema34,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/versions",schemaPath:"#/$defs/DnsLabel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.type,parentSchema:schema34,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
var valid5 = _errs16 === errors;
if(!valid5){
const err16 = {instancePath:instancePath+"/versions",schemaPath:"#/properties/versions/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema55.properties.versions.propertyNames,parentSchema:schema55.properties.versions,data:data3};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
for(const key2 in data3){
if(!(validate40(data3[key2], {instancePath:instancePath+"/versions/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data3,parentDataProperty:key2,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate40.errors : vErrors.concat(validate40.errors);
errors = vErrors.length;
}
}
}
else {
const err17 = {instancePath:instancePath+"/versions",schemaPath:"#/properties/versions/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema55.properties.versions.type,parentSchema:schema55.properties.versions,data:data3};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.calls !== undefined){
let data5 = data.calls;
if(Array.isArray(data5)){
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
let data6 = data5[i0];
if(typeof data6 === "string"){
if(!pattern4.test(data6)){
const err18 = {instancePath:instancePath+"/calls/" + i0,schemaPath:"#/$defs/DnsLabel/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"+"\"",schema:"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",parentSchema:schema34,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/calls/" + i0,schemaPath:"#/$defs/DnsLabel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.type,parentSchema:schema34,data:data6};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
let i1 = data5.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data5[i1], data5[j0])){
const err20 = {instancePath:instancePath+"/calls",schemaPath:"#/properties/calls/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema55.properties.calls,data:data5};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err21 = {instancePath:instancePath+"/calls",schemaPath:"#/properties/calls/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema55.properties.calls.type,parentSchema:schema55.properties.calls,data:data5};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.mtls !== undefined){
let data7 = data.mtls;
if(!((data7 === "strict") || (data7 === "permissive"))){
const err22 = {instancePath:instancePath+"/mtls",schemaPath:"#/$defs/MtlsMode/enum",keyword:"enum",params:{allowedValues: schema36.enum},message:"must be equal to one of the allowed values",schema:schema36.enum,parentSchema:schema36,data:data7};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data.timeout !== undefined){
let data8 = data.timeout;
if(typeof data8 === "string"){
if(!pattern7.test(data8)){
const err23 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data8};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
else {
const err24 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data8};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data.connectTimeout !== undefined){
let data9 = data.connectTimeout;
if(typeof data9 === "string"){
if(!pattern7.test(data9)){
const err25 = {instancePath:instancePath+"/connectTimeout",schemaPath:"#/$defs/Duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$"+"\"",schema:"^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$",parentSchema:schema37,data:data9};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/connectTimeout",schemaPath:"#/$defs/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.type,parentSchema:schema37,data:data9};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data.retries !== undefined){
if(!(validate26(data.retries, {instancePath:instancePath+"/retries",parentData:data,parentDataProperty:"retries",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
if(data.circuitBreaker !== undefined){
let data11 = data.circuitBreaker;
if(data11 && typeof data11 == "object" && !Array.isArray(data11)){
for(const key3 in data11){
if(!(((key3 === "maxConnections") || (key3 === "maxPendingRequests")) || (key3 === "maxRequests"))){
const err27 = {instancePath:instancePath+"/circuitBreaker",schemaPath:"#/$defs/CircuitBreaker/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema45,data:data11};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data11.maxConnections !== undefined){
let data12 = data11.maxConnections;
if(!(((typeof data12 == "number") && (!(data12 % 1) && !isNaN(data12))) && (isFinite(data12)))){
const err28 = {instancePath:instancePath+"/circuitBreaker/maxConnections",schemaPath:"#/$defs/CircuitBreaker/properties/maxConnections/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema45.properties.maxConnections.type,parentSchema:schema45.properties.maxConnections,data:data12};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
if((typeof data12 == "number") && (isFinite(data12))){
if(data12 > 4294967295 || isNaN(data12)){
const err29 = {instancePath:instancePath+"/circuitBreaker/maxConnections",schemaPath:"#/$defs/CircuitBreaker/properties/maxConnections/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema45.properties.maxConnections,data:data12};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
if(data12 < 1 || isNaN(data12)){
const err30 = {instancePath:instancePath+"/circuitBreaker/maxConnections",schemaPath:"#/$defs/CircuitBreaker/properties/maxConnections/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema45.properties.maxConnections,data:data12};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
}
if(data11.maxPendingRequests !== undefined){
let data13 = data11.maxPendingRequests;
if(!(((typeof data13 == "number") && (!(data13 % 1) && !isNaN(data13))) && (isFinite(data13)))){
const err31 = {instancePath:instancePath+"/circuitBreaker/maxPendingRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxPendingRequests/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema45.properties.maxPendingRequests.type,parentSchema:schema45.properties.maxPendingRequests,data:data13};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
if((typeof data13 == "number") && (isFinite(data13))){
if(data13 > 4294967295 || isNaN(data13)){
const err32 = {instancePath:instancePath+"/circuitBreaker/maxPendingRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxPendingRequests/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema45.properties.maxPendingRequests,data:data13};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
if(data13 < 1 || isNaN(data13)){
const err33 = {instancePath:instancePath+"/circuitBreaker/maxPendingRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxPendingRequests/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema45.properties.maxPendingRequests,data:data13};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
}
if(data11.maxRequests !== undefined){
let data14 = data11.maxRequests;
if(!(((typeof data14 == "number") && (!(data14 % 1) && !isNaN(data14))) && (isFinite(data14)))){
const err34 = {instancePath:instancePath+"/circuitBreaker/maxRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxRequests/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema45.properties.maxRequests.type,parentSchema:schema45.properties.maxRequests,data:data14};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
if((typeof data14 == "number") && (isFinite(data14))){
if(data14 > 4294967295 || isNaN(data14)){
const err35 = {instancePath:instancePath+"/circuitBreaker/maxRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxRequests/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295",schema:4294967295,parentSchema:schema45.properties.maxRequests,data:data14};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
if(data14 < 1 || isNaN(data14)){
const err36 = {instancePath:instancePath+"/circuitBreaker/maxRequests",schemaPath:"#/$defs/CircuitBreaker/properties/maxRequests/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema45.properties.maxRequests,data:data14};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
}
}
else {
const err37 = {instancePath:instancePath+"/circuitBreaker",schemaPath:"#/$defs/CircuitBreaker/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema45.type,parentSchema:schema45,data:data11};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
if(data.outlierDetection !== undefined){
if(!(validate28(data.outlierDetection, {instancePath:instancePath+"/outlierDetection",parentData:data,parentDataProperty:"outlierDetection",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate28.errors : vErrors.concat(validate28.errors);
errors = vErrors.length;
}
}
if(data.loadBalancer !== undefined){
if(!(validate30(data.loadBalancer, {instancePath:instancePath+"/loadBalancer",parentData:data,parentDataProperty:"loadBalancer",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate30.errors : vErrors.concat(validate30.errors);
errors = vErrors.length;
}
}
if(data.routes !== undefined){
let data17 = data.routes;
if(Array.isArray(data17)){
const len1 = data17.length;
for(let i2=0; i2<len1; i2++){
if(!(validate46(data17[i2], {instancePath:instancePath+"/routes/" + i2,parentData:data17,parentDataProperty:i2,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate46.errors : vErrors.concat(validate46.errors);
errors = vErrors.length;
}
}
}
else {
const err38 = {instancePath:instancePath+"/routes",schemaPath:"#/properties/routes/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema55.properties.routes.type,parentSchema:schema55.properties.routes,data:data17};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
if(data.authorization !== undefined){
if(!(validate58(data.authorization, {instancePath:instancePath+"/authorization",parentData:data,parentDataProperty:"authorization",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate58.errors : vErrors.concat(validate58.errors);
errors = vErrors.length;
}
}
}
else {
const err39 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema55.type,parentSchema:schema55,data};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
validate37.errors = vErrors;
return errors === 0;
}
validate37.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate68(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate68.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.spec === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "spec"))){
const err4 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if("meshc/v1" !== data0){
const err5 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "meshc/v1"},message:"must be equal to constant",schema:"meshc/v1",parentSchema:schema54.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if("Service" !== data1){
const err6 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "Service"},message:"must be equal to constant",schema:"Service",parentSchema:schema54.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.metadata !== undefined){
if(!(validate22(data.metadata, {instancePath:instancePath+"/metadata",parentData:data,parentDataProperty:"metadata",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
}
if(data.spec !== undefined){
if(!(validate37(data.spec, {instancePath:instancePath+"/spec",parentData:data,parentDataProperty:"spec",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate37.errors : vErrors.concat(validate37.errors);
errors = vErrors.length;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema54.type,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate68.errors = vErrors;
return errors === 0;
}
validate68.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

