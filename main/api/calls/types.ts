import type { CallName, CallResponse, ValidRequest } from "../../../shared/api";

export type Handler<C extends CallName> = (request: ValidRequest<C>) => Promise<CallResponse<C>>;
export type Handlers<K extends CallName = CallName> = { [C in K]: Handler<C> };
