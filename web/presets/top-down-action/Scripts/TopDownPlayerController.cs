using UnityEngine;

namespace Spark.Presets.TopDownAction
{
    /// <summary>
    /// Connects <see cref="TopDownInput"/> to the player's <see cref="TopDownMover"/> and
    /// <see cref="MeleeAttack"/>: eight-direction movement, attacking in the facing direction,
    /// and no control while dead.
    /// </summary>
    [RequireComponent(typeof(TopDownMover))]
    [DisallowMultipleComponent]
    public sealed class TopDownPlayerController : MonoBehaviour
    {
        [Tooltip("The player's attack; found on this GameObject when left empty.")]
        [SerializeField] private MeleeAttack attack;
        [Tooltip("Stand still while an attack winds up.")]
        [SerializeField] private bool rootWhileAttacking = true;
        [Tooltip("Optional sprite flipped when moving left (for side-facing sprite sheets).")]
        [SerializeField] private SpriteRenderer spriteRenderer;

        private TopDownMover mover;
        private Health health;

        /// <summary>Disables player control while false (cutscenes, menus, dialogue).</summary>
        public bool InputEnabled { get; set; } = true;

        private void Awake()
        {
            mover = GetComponent<TopDownMover>();
            health = GetComponent<Health>();
            if (attack == null)
            {
                attack = GetComponent<MeleeAttack>();
            }
        }

        private void Update()
        {
            bool canAct = InputEnabled && (health == null || !health.IsDead);
            if (!canAct)
            {
                mover.Stop();
                return;
            }

            Vector2 move = TopDownInput.Move;
            if (rootWhileAttacking && attack != null && attack.IsAttacking)
            {
                move = Vector2.zero;
            }

            mover.Move(move);

            if (attack != null && TopDownInput.AttackPressed)
            {
                attack.TryAttack(mover.Facing);
            }

            if (spriteRenderer != null && Mathf.Abs(mover.Facing.x) > 0.01f)
            {
                spriteRenderer.flipX = mover.Facing.x < 0f;
            }
        }
    }
}
