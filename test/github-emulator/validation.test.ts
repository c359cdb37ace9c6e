import test from 'ava';
import {startGitHubEmulator} from './index.js';
import {gql} from './helpers.js';

// Requests GitHub rejects by schema validation: HTTP 200, `errors` in graphql-ruby's shape, no data.

test('a misspelled field is rejected with undefinedField and a path from the operation', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  const r = await gql(em, `query Pull { repository(owner: "acme", name: "app") { issues(first: 5) { nodes { titel } } } }`);
  t.is(r.status, 200);
  t.false('data' in r.body);
  t.deepEqual(r.body.errors, [
    {
      path: ['query Pull', 'repository', 'issues', 'nodes', 'titel'],
      extensions: {code: 'undefinedField', typeName: 'Issue', fieldName: 'titel'},
      locations: [{line: 1, column: 82}],
      message: "Field 'titel' doesn't exist on type 'Issue'",
    },
  ]);
  await em.close();
});

test('missing required arguments are listed together, as graphql-ruby does', async t => {
  const em = await startGitHubEmulator();
  const r = await gql(em, `{ repository { id } }`);
  t.is(r.body.errors.length, 1);
  // Listed in the schema's declaration order.
  t.is(r.body.errors[0].message, "Field 'repository' is missing required arguments: name, owner");
  t.deepEqual(r.body.errors[0].extensions, {code: 'missingRequiredArguments', className: 'Field', name: 'repository', arguments: 'name, owner'});
  t.deepEqual(r.body.errors[0].path, ['query', 'repository']);
  await em.close();
});

test('a wrong argument type is argumentLiteralsIncompatible naming the expected type', async t => {
  const em = await startGitHubEmulator();
  const r = await gql(em, `{ repository(owner: "a", name: "b") { issues(first: "ten") { totalCount } } }`);
  t.is(r.body.errors[0].message, `Argument 'first' on Field 'issues' has an invalid value ("ten"). Expected type 'Int'.`);
  t.deepEqual(r.body.errors[0].extensions, {code: 'argumentLiteralsIncompatible', typeName: 'Field', argumentName: 'first'});
  t.deepEqual(r.body.errors[0].path, ['query', 'repository', 'issues', 'first']);
  const e = await gql(em, `{ repository(owner: "a", name: "b") { issues(first: 1, states: [OPENED]) { totalCount } } }`);
  t.is(e.body.errors[0].message, `Argument 'states' on Field 'issues' has an invalid value ([OPENED]). Expected type '[IssueState!]'.`);
  await em.close();
});

test('a missing required input field is rejected, as a literal and as a variable', async t => {
  const em = await startGitHubEmulator();
  const {id} = em.createRepo('acme/app');
  const literal = await gql(em, `mutation { createIssue(input: {repositoryId: "${id}"}) { issue { id } } }`);
  t.is(literal.body.errors[0].message, `Argument 'input' on Field 'createIssue' has an invalid value ({repositoryId: "${id}"}). Expected type 'CreateIssueInput!'.`);
  t.deepEqual(literal.body.errors[0].path, ['mutation', 'createIssue', 'input']);

  const variable = await gql(em, `mutation New($input: CreateIssueInput!) { createIssue(input: $input) { issue { id } } }`, {input: {repositoryId: id, bogus: 1}});
  t.is(variable.body.errors.length, 1);
  t.is(
    variable.body.errors[0].message,
    'Variable $input of type CreateIssueInput! was provided invalid value for bogus (Field is not defined on CreateIssueInput), title (Expected value to not be null)',
  );
  t.deepEqual(variable.body.errors[0].extensions.problems, [
    {path: ['bogus'], explanation: 'Field is not defined on CreateIssueInput'},
    {path: ['title'], explanation: 'Expected value to not be null'},
  ]);
  const missing = await gql(em, `query Q($n: Int!) { viewer { login } r: repository(owner: "a", name: "b") { issue(number: $n) { id } } }`);
  t.is(missing.body.errors[0].message, 'Variable $n of type Int! was provided invalid value');
  const wrong = await gql(em, `query Q($n: Int!) { r: repository(owner: "a", name: "b") { issue(number: $n) { id } } }`, {n: 'x'});
  t.deepEqual(wrong.body.errors[0].extensions.problems, [{path: [], explanation: 'Could not coerce value "x" to Int'}]);
  t.is(em.issues('acme/app').length, 0, 'nothing was created');
  await em.close();
});

test('unknown arguments, unused variables, missing selections and syntax errors are refused', async t => {
  const em = await startGitHubEmulator();
  const unknownArg = await gql(em, `{ viewer { issues(first: 1, sortBy: "x") { totalCount } } }`);
  t.is(unknownArg.body.errors[0].message, "Field 'issues' doesn't accept argument 'sortBy'");
  const unused = await gql(em, `query Q($x: String) { viewer { login } }`);
  t.is(unused.body.errors[0].message, 'Variable $x is declared by Q but not used');
  const noSelection = await gql(em, `{ viewer }`);
  t.is(noSelection.body.errors[0].extensions.code, 'selectionMismatch');
  const syntax = await gql(em, `{ viewer { login }} }`);
  t.deepEqual(syntax.body.errors, [{locations: [{line: 1, column: 21}], message: 'Parse error on "}" (RCURLY) at [1, 21]'}]);
  t.is(em.requestLog.every(l => l.cost === 0), true, 'refused requests are not charged');
  await em.close();
});

test('sub-issue fields validate: the SDL, not the stale JSON snapshot, is the schema', async t => {
  const em = await startGitHubEmulator();
  em.createRepo('acme/app');
  em.ui.createIssue('acme/app', {title: 'epic'});
  const r = await gql(em, `{ repository(owner: "acme", name: "app") { issue(number: 1) { parent { id } subIssuesSummary { total } subIssues(first: 5) { nodes { id } } } } }`);
  t.falsy(r.body.errors);
  t.deepEqual(r.body.data.repository.issue, {parent: null, subIssuesSummary: {total: 0}, subIssues: {nodes: []}});
  await em.close();
});

test('introspection works: probing for a type the schema lacks answers null', async t => {
  const em = await startGitHubEmulator();
  const r = await gql(em, `{ blocked: __type(name: "AddBlockedByInput") { name } sub: __type(name: "AddSubIssueInput") { inputFields { name } } }`);
  t.is(r.body.data.blocked, null);
  t.deepEqual(r.body.data.sub.inputFields.map((f: {name: string}) => f.name).sort(), ['clientMutationId', 'issueId', 'replaceParent', 'subIssueId', 'subIssueUrl']);
  await em.close();
});
