import {
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  print,
  typeFromAST,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type {GitHubErrorEntry} from './errors.js';

/**
 * Turns graphql-js parse and validation errors into the shapes GitHub's graphql-ruby answers with
 * (HTTP 200, no `data`): `Field 'titel' doesn't exist on type 'Issue'` with
 * `extensions: {code: 'undefinedField', typeName, fieldName}` and a `path` that starts with the
 * operation ("query", "query Pull", "mutation Finish"). Validation itself is graphql-js's, never an
 * allow-list; only the wording is GitHub's. Errors without a known GitHub wording keep graphql-js's
 * message, with GitHub's `path`/`locations` layout.
 */
interface NodeInfo {
  path: string[];
  field: FieldNode | undefined;
  argument: ArgumentNode | undefined;
  /** For Argument nodes: the declared type, e.g. `CreateIssueInput!`. */
  argumentType?: string;
}

function indexDocument(schema: GraphQLSchema, doc: DocumentNode): Map<ASTNode, NodeInfo> {
  const info = new Map<ASTNode, NodeInfo>();
  const typeInfo = new TypeInfo(schema);
  const path: string[] = [];
  const fields: FieldNode[] = [];
  const args: ArgumentNode[] = [];
  visit(doc, visitWithTypeInfo(typeInfo, {
    enter(node) {
      switch (node.kind) {
        case 'OperationDefinition':
          path.push(node.name ? `${node.operation} ${node.name.value}` : node.operation);
          break;
        case 'FragmentDefinition':
          path.push(`fragment ${node.name.value}`);
          break;
        case 'InlineFragment':
          path.push(node.typeCondition ? `... on ${node.typeCondition.name.value}` : '...');
          break;
        case 'Field':
          path.push(node.alias?.value ?? node.name.value);
          fields.push(node);
          break;
        case 'Argument':
          path.push(node.name.value);
          args.push(node);
          break;
        default:
      }
      const argType = node.kind === 'Argument' ? typeInfo.getArgument()?.type : undefined;
      info.set(node, {path: [...path], field: fields.at(-1), argument: args.at(-1), ...(argType ? {argumentType: String(argType)} : {})});
    },
    leave(node) {
      switch (node.kind) {
        case 'OperationDefinition':
        case 'FragmentDefinition':
        case 'InlineFragment':
          path.pop();
          break;
        case 'Field':
          path.pop();
          fields.pop();
          break;
        case 'Argument':
          path.pop();
          args.pop();
          break;
        default:
      }
    },
  }));
  return info;
}

const locationsOf = (e: GraphQLError) => e.locations?.map(l => ({line: l.line, column: l.column}));

export function githubValidationErrors(schema: GraphQLSchema, doc: DocumentNode, errors: readonly GraphQLError[]): GitHubErrorEntry[] {
  const index = indexDocument(schema, doc);
  const out: GitHubErrorEntry[] = [];
  const missingArgs = new Map<FieldNode, GitHubErrorEntry & {extensions: Record<string, unknown>}>();
  const badArgs = new Set<ArgumentNode>();

  for (const e of errors) {
    const node = e.nodes?.[0];
    const at = node ? index.get(node) : undefined;
    const base = {path: at?.path, locations: locationsOf(e)};
    let m: RegExpExecArray | null;

    if ((m = /^Cannot query field "(\w+)" on type "(\w+)"/.exec(e.message))) {
      out.push({...base, extensions: {code: 'undefinedField', typeName: m[2], fieldName: m[1]}, message: `Field '${m[1]}' doesn't exist on type '${m[2]}'`});
    } else if ((m = /^Field "(\w+)" argument "(\w+)" of type ".*" is required, but it was not provided\./.exec(e.message)) && node?.kind === 'Field') {
      const prior = missingArgs.get(node);
      if (prior) {
        prior.extensions.arguments = `${prior.extensions.arguments as string}, ${m[2]}`;
        prior.message = `Field '${m[1]}' is missing required arguments: ${prior.extensions.arguments as string}`;
      } else {
        const entry = {...base, extensions: {code: 'missingRequiredArguments', className: 'Field', name: m[1], arguments: m[2]}, message: `Field '${m[1]}' is missing required arguments: ${m[2]}`};
        missingArgs.set(node, entry);
        out.push(entry);
      }
    } else if ((m = /^Unknown argument "(\w+)" on field "\w+\.(\w+)"\./.exec(e.message))) {
      out.push({...base, extensions: {code: 'argumentNotAccepted', name: m[2], typeName: 'Field', argumentName: m[1]}, message: `Field '${m[2]}' doesn't accept argument '${m[1]}'`});
    } else if ((m = /^Variable "\$(\w+)" is not defined(?: by operation "(\w+)")?\./.exec(e.message))) {
      out.push({...base, extensions: {code: 'variableNotDefined', variableName: m[1]}, message: `Variable $${m[1]} is used by ${m[2] ?? 'anonymous query'} but not declared`});
    } else if ((m = /^Variable "\$(\w+)" is never used(?: in operation "(\w+)")?\./.exec(e.message))) {
      out.push({...base, extensions: {code: 'variableNotUsed', variableName: m[1]}, message: `Variable $${m[1]} is declared by ${m[2] ?? 'anonymous query'} but not used`});
    } else if ((m = /^Field "(\w+)" of type "(.+)" must have a selection of subfields/.exec(e.message))) {
      const t = m[2]!.replace(/[[\]!]/g, '');
      out.push({
        ...base,
        extensions: {code: 'selectionMismatch', nodeName: `field '${m[1]}'`, typeName: t},
        message: `Field must have selections (field '${m[1]}' returns ${t} but has no selections. Did you mean '${m[1]} { ... }'?)`,
      });
    } else if ((m = /^Field "(\w+)" must not have a selection since type "(.+)" has no subfields\./.exec(e.message))) {
      const t = m[2]!.replace(/[[\]!]/g, '');
      const subs = node?.kind === 'Field' ? (node.selectionSet?.selections ?? []).map(s => (s.kind === 'Field' ? s.name.value : '...')) : [];
      out.push({
        ...base,
        extensions: {code: 'selectionMismatch', nodeName: `field '${m[1]}'`, typeName: t},
        message: `Selections can't be made on scalars (field '${m[1]}' returns ${t} but has selections [${subs.join(', ')}])`,
      });
    } else if ((m = /^Unknown type "(\w+)"\./.exec(e.message))) {
      out.push({...base, extensions: {code: 'undefinedType', typeName: m[1]}, message: `${m[1]} isn't a defined input type`});
    } else if ((m = /^Variable "\$(\w+)" of type "(.+)" used in position expecting type "(.+)"\./.exec(e.message))) {
      const arg = at?.argument?.name.value ?? '?';
      const kind = m[2]!.replace(/!/g, '') === m[3]!.replace(/!/g, '') ? 'Nullability mismatch' : 'Type mismatch';
      out.push({...base, extensions: {code: 'variableMismatch', variableName: m[1], typeName: m[2], argumentName: arg, errorMessage: kind}, message: `${kind} on variable $${m[1]} and argument ${arg} (${m[2]} / ${m[3]})`});
    } else if ((m = /^Fragment "(\w+)" is never used\./.exec(e.message))) {
      out.push({...base, extensions: {code: 'useAndDefineFragment', fragmentName: m[1]}, message: `Fragment ${m[1]} was defined, but not used`});
    } else if ((m = /^Unknown fragment "(\w+)"\./.exec(e.message))) {
      out.push({...base, extensions: {code: 'useAndDefineFragment', fragmentName: m[1]}, message: `Fragment ${m[1]} was used, but not defined`});
    } else if (at?.argument && at.field && e.nodes?.[0]?.kind !== 'Argument' && /value|represent|required type|not defined by type|Expected/.test(e.message)) {
      // ValuesOfCorrectTypeRule: graphql-ruby reports the whole argument literal once.
      const arg = at.argument;
      if (badArgs.has(arg)) continue;
      badArgs.add(arg);
      const fieldName = at.field.name.value;
      const expected = index.get(arg)?.argumentType ?? 'unknown';
      out.push({
        path: index.get(arg)?.path,
        extensions: {code: 'argumentLiteralsIncompatible', typeName: 'Field', argumentName: arg.name.value},
        locations: arg.loc ? [{line: arg.loc.startToken.line, column: arg.loc.startToken.column}] : locationsOf(e),
        message: `Argument '${arg.name.value}' on Field '${fieldName}' has an invalid value (${print(arg.value)}). Expected type '${expected}'.`,
      });
    } else {
      out.push({...base, message: e.message});
    }
  }
  return out;
}

/** graphql-ruby's parse error wording: `Parse error on "}" (RCURLY) at [1, 12]`. */
export function githubParseError(e: GraphQLError): GitHubErrorEntry {
  const loc = e.locations?.[0];
  const locations = loc ? [{line: loc.line, column: loc.column}] : undefined;
  const found = /(?:found|Unexpected) (.*)\.$/.exec(e.message)?.[1];
  if (!loc || !found) return {locations, message: e.message};
  if (found === '<EOF>') return {locations, message: 'Unexpected end of document'};
  const tokens: Record<string, string> = {
    '{': 'LCURLY', '}': 'RCURLY', '(': 'LPAREN', ')': 'RPAREN', '[': 'LBRACKET', ']': 'RBRACKET',
    ':': 'COLON', '!': 'BANG', $: 'VAR_SIGN', '=': 'EQUALS', '@': 'DIR_SIGN', '...': 'ELLIPSIS', '|': 'PIPE', '&': 'AMP',
  };
  let text = found;
  let kind = 'UNKNOWN_CHAR';
  let m: RegExpExecArray | null;
  if ((m = /^"(.*)"$/.exec(found)) && tokens[m[1]!]) ((text = m[1]!), (kind = tokens[m[1]!]!));
  else if ((m = /^Name "(.*)"$/.exec(found))) ((text = m[1]!), (kind = 'IDENTIFIER'));
  else if ((m = /^Int "(.*)"$/.exec(found))) ((text = m[1]!), (kind = 'INT'));
  else if ((m = /^Float "(.*)"$/.exec(found))) ((text = m[1]!), (kind = 'FLOAT'));
  else if ((m = /^String "(.*)"$/.exec(found))) ((text = m[1]!), (kind = 'STRING'));
  return {locations, message: `Parse error on ${JSON.stringify(text)} (${kind}) at [${loc.line}, ${loc.column}]`};
}

interface Problem {
  path: Array<string | number>;
  explanation: string;
}

function inputProblems(type: GraphQLInputType, value: unknown, path: Array<string | number>): Problem[] {
  if (isNonNullType(type)) {
    if (value === null || value === undefined) return [{path, explanation: 'Expected value to not be null'}];
    return inputProblems(type.ofType, value, path);
  }
  if (value === null || value === undefined) return [];
  if (isListType(type)) {
    return Array.isArray(value) ? value.flatMap((v, i) => inputProblems(type.ofType, v, [...path, i])) : inputProblems(type.ofType, value, path);
  }
  if (isInputObjectType(type)) {
    if (typeof value !== 'object' || Array.isArray(value)) return [{path, explanation: `Expected ${JSON.stringify(value)} to be a key-value object.`}];
    const fields = type.getFields();
    const obj = value as Record<string, unknown>;
    const out: Problem[] = Object.keys(obj)
      .filter(k => !fields[k])
      .map(k => ({path: [...path, k], explanation: `Field is not defined on ${type.name}`}));
    for (const f of Object.values(fields)) out.push(...inputProblems(f.type, obj[f.name], [...path, f.name]));
    return out;
  }
  if (isEnumType(type)) {
    return typeof value === 'string' && type.getValue(value)
      ? []
      : [{path, explanation: `Expected ${JSON.stringify(value)} to be one of: ${type.getValues().map(v => v.name).join(', ')}`}];
  }
  if (isScalarType(type)) {
    try {
      type.parseValue(value);
      return [];
    } catch {
      return [{path, explanation: `Could not coerce value ${JSON.stringify(value)} to ${type.name}`}];
    }
  }
  return [];
}

/** Variable coercion problems in graphql-ruby's words ("Variable $input of type CreateIssueInput! was provided invalid value for title (Expected value to not be null)"). */
export function githubVariableErrors(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): GitHubErrorEntry[] {
  const out: GitHubErrorEntry[] = [];
  for (const def of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, def.type as Parameters<typeof typeFromAST>[1]) as GraphQLInputType | undefined;
    if (!type) continue;
    const name = def.variable.name.value;
    const provided = Object.prototype.hasOwnProperty.call(variables, name);
    if (!provided && def.defaultValue) continue;
    const value = variables[name];
    const problems = inputProblems(type, value, []);
    if (!problems.length) continue;
    const withPath = problems.filter(p => p.path.length);
    const detail = withPath.length ? ` for ${withPath.map(p => `${p.path.join('.')} (${p.explanation})`).join(', ')}` : '';
    out.push({
      extensions: {value: value ?? null, problems},
      locations: def.loc ? [{line: def.loc.startToken.line, column: def.loc.startToken.column}] : undefined,
      message: `Variable $${name} of type ${print(def.type)} was provided invalid value${detail}`,
    });
  }
  return out;
}
