/**
 * The dashboard's images and operating systems as labs push them (reference §10; REF
 * src/api/views.py single_image/single_opsys, src/resource_inventory/models.py Image/Opsys):
 * `POST image/<id>` reads JSON from the raw body whatever its content type, creates the lab's image
 * `<id>` or updates it (a falsy value leaves a field as it was); `GET` answers the stored fields or
 * 404 with an empty body; the listings hold every lab's entries.
 */

/** An `Image` row as `serialize()` answers it (FKs by their `_id` attribute names). */
export interface DashboardImage {
  id: number;
  from_lab_id: string;
  architecture: string;
  lab_id: string;
  name: string;
  owner_id: number | null;
  public: boolean;
  description: string;
  os_id: number | null;
  available: boolean;
  obsolete: boolean;
}

/** An `Opsys` row as `serialize()` answers it. */
export interface DashboardOpsys {
  id: number;
  name: string;
  lab_id: string;
  obsolete: boolean;
  available: boolean;
  from_lab_id: string;
}

type Row = DashboardImage | DashboardOpsys;

const blankImage = (): Omit<DashboardImage, 'id'> => ({ from_lab_id: '', architecture: '', lab_id: '', name: '', owner_id: null, public: true, description: '', os_id: null, available: true, obsolete: false });
const blankOpsys = (): Omit<DashboardOpsys, 'id'> => ({ name: '', lab_id: '', obsolete: false, available: true, from_lab_id: '' });

/** One table (images or operating systems), ids shared by every lab as Django's AutoField. */
export class LabCatalogue<T extends Row> {
  readonly rows: T[] = [];
  private nextId = 1;

  constructor(private readonly blank: () => Omit<T, 'id'>) {}

  find(lab: string, labId: string): T | undefined {
    return this.rows.find((r) => r.from_lab_id === lab && r.lab_id === labId);
  }

  /** `update(data)`: every known field present in `data` is set, unless the value is falsy. */
  upsert(lab: string, labId: string, data: Record<string, unknown>): T {
    let row = this.find(lab, labId);
    if (!row) {
      row = { id: this.nextId++, ...this.blank() } as T;
      assign(row, { ...data, from_lab_id: lab, lab_id: labId });
      this.rows.push(row);
    } else {
      assign(row, data);
    }
    return row;
  }
}

function assign(row: Row, data: Record<string, unknown>): void {
  const target = row as unknown as Record<string, unknown>;
  for (const field of Object.keys(target)) {
    if (field in data && data[field]) target[field] = data[field];
  }
}

export const newImageCatalogue = () => new LabCatalogue<DashboardImage>(blankImage);
export const newOpsysCatalogue = () => new LabCatalogue<DashboardOpsys>(blankOpsys);
